/**
 * `npm run build`'s second step: the reference portal and GraphiQL (portal/) into dist/web/portal,
 * which the hub serves at /portal and /graphql. Three steps, each failing the build:
 *   1. GraphQL Code Generator: the portal's operations against schema/schema.graphql (an
 *      operation that no longer validates fails here);
 *   2. tsc on the portal (a field whose type changed fails here);
 *   3. vite build.
 * Skipped when nothing it reads changed since the last build (a hash of portal/, the schema and
 * the lockfile is kept next to the output), so `npm test` and `npm run dev` do not pay for it
 * every time. `--force` builds anyway.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/config.js';

const root = projectRoot();
const portalDir = path.join(root, 'portal');
const outDir = path.join(root, 'dist', 'web', 'portal');
const hashFile = path.join(outDir, '.build-hash');
const GENERATED = path.join(portalDir, 'src', 'gql');

function inputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...listFiles(portalDir).filter((f) => !f.startsWith(GENERATED + path.sep)),
    path.join(root, 'schema', 'schema.graphql'),
    path.join(root, 'package-lock.json'),
  ];
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

function run(step: string, bin: string, args: string[]): void {
  const result = spawnSync(path.join(root, 'node_modules', '.bin', bin), args, {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(
      `portal build: ${step} failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
}

function main(): void {
  if (!existsSync(portalDir)) throw new Error(`portal build: ${portalDir} is missing`);
  const force = process.argv.includes('--force');
  const hash = inputsHash();
  const built = existsSync(path.join(outDir, 'index.html')) && existsSync(hashFile);
  if (!force && built && readFileSync(hashFile, 'utf8').trim() === hash) return;

  const started = Date.now();
  run('GraphQL Code Generator (operations vs schema/schema.graphql)', 'graphql-codegen', [
    '--config',
    'portal/codegen.ts',
  ]);
  run('type check (tsc -p portal)', 'tsc', ['--noEmit', '-p', 'portal/tsconfig.json']);
  run('vite build', 'vite', ['build', '--config', 'portal/vite.config.ts']);
  writeFileSync(hashFile, `${hash}\n`);
  console.log(
    `portal: built into ${path.relative(root, outDir)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
