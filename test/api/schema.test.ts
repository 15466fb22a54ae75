import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { currentSdl, SCHEMA_FILE } from '../../scripts/schema-sdl.js';

describe('schema/schema.graphql', () => {
  it('is what the code emits (run `npm run schema:emit` after changing src/graphql)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await currentSdl());
  });

  it('exposes no secret on the Connector type', async () => {
    const sdl = await currentSdl();
    const connector = /type Connector \{[^}]*\}/.exec(sdl)?.[0] ?? '';
    expect(connector).toContain('clientSecretHint');
    expect(connector).not.toMatch(/\bclientSecret\b|authTokenHash|authenticationToken|ciphertext/);
  });
});
