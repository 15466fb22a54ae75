import { describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return Promise.resolve(entry.name.endsWith('.ts') ? [path] : []);
    }),
  );
  return nested.flat();
}

const importsOf = (text: string) =>
  [...text.matchAll(/from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);

/** graph-facts §3: nothing in src/ may know that it talks to an emulator. */
describe('emulator isolation', () => {
  it('no file of src/ outside src/emulator imports the emulator', async () => {
    const offenders: string[] = [];
    for (const file of await sources('src')) {
      if (relative('src', file).startsWith('emulator')) continue;
      const text = await readFile(file, 'utf8');
      if (importsOf(text).some((spec) => spec.includes('emulator'))) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('src/emulator imports only itself and packages', async () => {
    const offenders: string[] = [];
    for (const file of await sources('src/emulator')) {
      const text = await readFile(file, 'utf8');
      for (const spec of importsOf(text)) {
        if (!spec.startsWith('.')) continue;
        const target = relative('src/emulator', join(file, '..', spec));
        if (target.startsWith('..')) offenders.push(`${file} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
