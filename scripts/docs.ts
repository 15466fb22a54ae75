import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../src/config.js';
import { generatedDocs } from './docs/generated-docs.js';

/**
 * `npm run docs`: writes the generated parts of docs/ (scripts/docs/generated-docs.ts).
 * `npm run docs:check`: fails, naming the files, when a committed one is stale.
 */
const check = process.argv.includes('--check');
const root = projectRoot();
const stale: string[] = [];
for (const [file, content] of await generatedDocs(root)) {
  const target = path.join(root, file);
  const current = await readFile(target, 'utf8').catch(() => null);
  if (current === content) continue;
  stale.push(file);
  if (!check) {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}
if (check && stale.length > 0) {
  console.error(`stale generated docs: ${stale.join(', ')}; run \`npm run docs\` and commit them.`);
  process.exit(1);
}
console.log(stale.length === 0 ? 'generated docs are current' : `wrote ${stale.join(', ')}`);
