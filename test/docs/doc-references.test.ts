/**
 * What the docs name exists: every environment variable in docs/, the root guides and
 * .env.example is one the configuration schema defines (or one a tool, CI or compose reads), every
 * other CONSTANT_CASE word is a word the code defines, every `npm run X` is a script of
 * package.json and every `npm run hub -- X` a command of the CLI. A renamed or removed variable,
 * script or command fails here until the docs follow.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { configuredVariables } from '../../scripts/docs/configuration.js';
import {
  AS_VARIABLE,
  CONSTANT,
  ROOT,
  cliCommands,
  codeWords,
  docFiles,
  read,
  variablesReadElsewhere,
} from './doc-scan.js';

/** Read by Node.js or the shell itself, not by anything in the repository. */
const PLATFORM = new Set(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'PATH']);

interface Finding {
  file: string;
  name: string;
}

describe('names in the docs', () => {
  let configured: Set<string>;
  let elsewhere: Set<string>;
  let words: Set<string>;
  beforeAll(() => {
    configured = configuredVariables();
    elsewhere = variablesReadElsewhere();
    words = codeWords();
  });
  const isVariable = (name: string) =>
    configured.has(name) || elsewhere.has(name) || PLATFORM.has(name);

  it('every variable the docs set or name exists', () => {
    const unknown: Finding[] = [];
    for (const file of [...docFiles(), '.env.example']) {
      const text = read(file);
      const asVariable = new Set([...text.matchAll(AS_VARIABLE)].map((m) => m[1] ?? m[2]!));
      for (const name of asVariable) {
        if (!isVariable(name)) unknown.push({ file, name });
      }
      for (const [name] of text.matchAll(CONSTANT)) {
        if (asVariable.has(name) || isVariable(name) || words.has(name)) {
          continue;
        }
        unknown.push({ file, name });
      }
    }
    // On failure: the docs name a variable (or constant) nothing defines; fix the doc, or add the
    // variable to src/config-schema.ts.
    expect(unknown).toEqual([]);
  });

  it('the scan sees variables and words at all', () => {
    // Guards the test itself: an empty vocabulary would let anything through.
    expect(configured.has('MONGODB_URI') && configured.has('WEBHOOK_TIMEOUT_MS')).toBe(true);
    expect(elsewhere.has('FERRETDB_LAUNCHER_PPROF') && elsewhere.has('CHROMIUM_PATH')).toBe(true);
    expect(words.has('NOT_FOUND') && words.has('WAITING_FOR_CONNECTION')).toBe(true);
    expect(words.has('GRAPHQL_MAX_FIELDS') || isVariable('GRAPHQL_MAX_FIELDS')).toBe(false);
    expect(docFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/api.md']));
  });

  it('every `npm run X` is a script and every `npm run hub -- X` a CLI command', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const scripts = new Set(Object.keys(pkg.scripts));
    const usage = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(usage.status).toBe(0);
    const commands = cliCommands(usage.stdout);
    expect(['connectors', 'migrate', 'reject'].filter((c) => !commands.has(c))).toEqual([]);
    const unknown: Finding[] = [];
    for (const file of docFiles()) {
      const text = read(file);
      for (const [, name] of text.matchAll(/npm run ([a-z][\w:-]*)/g)) {
        if (!scripts.has(name!)) unknown.push({ file, name: `npm run ${name}` });
      }
      for (const [, name] of text.matchAll(/npm run hub -- ([a-z][\w-]*)/g)) {
        if (!commands.has(name!)) unknown.push({ file, name: `npm run hub -- ${name}` });
      }
    }
    expect(unknown).toEqual([]);
  });

  it('every GraphQL operation in the docs is valid against schema/schema.graphql', () => {
    const schema = buildSchema(read('schema/schema.graphql'));
    const invalid: { file: string; operation: string; errors: string[] }[] = [];
    let count = 0;
    for (const file of docFiles()) {
      for (const [, body] of read(file).matchAll(/```graphql\n([\s\S]*?)```/g)) {
        count++;
        const errors = validate(schema, parse(body!)).map((e) => e.message);
        if (errors.length > 0) invalid.push({ file, operation: body!.split('\n')[0]!, errors });
      }
    }
    expect(count).toBeGreaterThan(20);
    expect(invalid).toEqual([]);
  });

  it('every relative link in the docs reaches a file, and its #anchor a heading', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-');
    const anchors = (file: string) =>
      new Set(
        [...read(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))),
      );
    const broken: Finding[] = [];
    for (const file of docFiles()) {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [rel, anchor] = target!.split('#');
        const to = rel ? path.normalize(path.join(path.dirname(file), rel)) : file;
        const exists = existsSync(path.join(ROOT, to));
        const anchored = !anchor || !to.endsWith('.md') || anchors(to).has(anchor);
        if (!exists || !anchored) broken.push({ file, name: target! });
      }
    }
    expect(broken).toEqual([]);
  });
});
