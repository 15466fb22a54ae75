/**
 * The generated parts of docs/ are current: the API reference (docs/reference/schema.md, from
 * schema/schema.graphql by graphql-markdown) and the error catalogue in docs/api.md (from
 * src/domain/errors.ts). A change to either source without `npm run docs` fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../src/config.js';
import { ERROR_CATALOGUE, ErrorCode, WS_CLOSE_CODES } from '../../src/domain/errors.js';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED } from '../../src/server/ws-sessions.js';
import { generatedDocs, replaceSection } from '../../scripts/docs/generated-docs.js';

const root = projectRoot();

describe('generated docs', () => {
  it('every generated file is what `npm run docs` writes now', async () => {
    const generated = await generatedDocs(root);
    expect([...generated.keys()].sort()).toEqual([
      'docs/api.md',
      'docs/reference/configuration.md',
      'docs/reference/schema.md',
    ]);
    for (const [file, content] of generated) {
      const committed = await readFile(path.join(root, file), 'utf8');
      // On failure: run `npm run docs` and commit the result.
      expect({ file, content: committed }).toEqual({ file, content });
    }
  });

  it('the reference names every operation of the schema, the catalogue every code', async () => {
    const generated = await generatedDocs(root);
    const reference = generated.get('docs/reference/schema.md')!;
    for (const name of ['connectors', 'syncRuns', 'verifyConnection', 'syncRunUpdated']) {
      expect(reference).toMatch(new RegExp(`<strong id="[a-z]+\\.${name}">${name}</strong>`, 'i'));
    }
    const api = generated.get('docs/api.md')!;
    for (const code of [...Object.values(ErrorCode), 'GRAPHQL_VALIDATION_FAILED']) {
      expect(api).toContain(`| \`${code}\``);
    }
    for (const code of [CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN]) {
      expect(WS_CLOSE_CODES[code]).toBeDefined();
      expect(api).toContain(`| ${code} `);
    }
    expect(Object.keys(ERROR_CATALOGUE).length).toBeGreaterThan(Object.keys(ErrorCode).length);
  });

  it('a section without its markers is an error, not a silent skip', () => {
    expect(() => replaceSection('# no markers', 'errors', 'x')).toThrow(/generated:errors/);
    const marked =
      'a\n<!-- generated:errors (npm run docs; do not edit) -->\nold\n<!-- /generated:errors -->\nb';
    expect(replaceSection(marked, 'errors', 'new')).toBe(
      'a\n<!-- generated:errors (npm run docs; do not edit) -->\n\nnew\n\n<!-- /generated:errors -->\nb',
    );
  });
});
