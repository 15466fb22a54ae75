/**
 * `node dist/scripts/release.js OUT_DIR` (after `npm run build`; the Dockerfile runs it): lays out
 * what the production image holds, and nothing else:
 *
 *   OUT_DIR/package.json, package-lock.json   for `npm ci --omit=dev`
 *   OUT_DIR/dist/src/...                      the compiled modules the service and the operator
 *                                             CLI import (src/main.ts, src/cli/main.ts), with
 *                                             their source maps; not the emulator, benches,
 *                                             scripts or dev-only code nothing imports
 *   OUT_DIR/dist/web/                         the built portal and GraphiQL (served when enabled)
 *   OUT_DIR/dist/build-info.json              version and revision for build_info (from
 *                                             BUILD_VERSION/BUILD_REVISION, else package.json
 *                                             and git)
 *
 * The modules are found by following imports from the entry points (dependency-cruiser), so a
 * module the service needs cannot be left out and one it does not need is not shipped.
 * test/deploy/image.test.ts checks the result: every import resolves inside it or to a
 * production dependency.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import { projectRoot } from '../src/config.js';
import { BUILD_INFO_FILE, type BuildInfo } from '../src/observability/build-info.js';

/** The compiled entry points of the image: the hub and the operator CLI. */
export const RELEASE_ENTRY_POINTS = ['dist/src/main.js', 'dist/src/cli/main.js'];

/** Node's own resolution of package `exports` (e.g. graphql-ws/use/ws), as ESM imports it. */
export const RESOLVE = {
  exportsFields: ['exports'],
  conditionNames: ['import', 'node', 'default'],
  extensions: ['.js', '.mjs', '.cjs', '.json'],
};

/** Compiled modules reachable from the entry points, relative to the root (`dist/src/...js`). */
export async function reachableModules(root: string): Promise<string[]> {
  const previous = process.cwd();
  process.chdir(root);
  try {
    const result = await cruise(RELEASE_ENTRY_POINTS, {
      doNotFollow: { path: 'node_modules' },
      moduleSystems: ['es6'],
      enhancedResolveOptions: RESOLVE,
    });
    if (typeof result.output === 'string') throw new Error('dependency-cruiser: no module list');
    return result.output.modules
      .map((m) => m.source)
      .filter((source) => source.startsWith('dist/src/') && source.endsWith('.js'))
      .sort();
  } finally {
    process.chdir(previous);
  }
}

/** Version from package.json unless given; revision from the environment or git, else unknown. */
export function buildStamp(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Pick<BuildInfo, 'version' | 'revision'> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  let revision = env['BUILD_REVISION'] || 'unknown';
  if (revision === 'unknown' && existsSync(path.join(root, '.git'))) {
    try {
      revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      // Not a git checkout after all: the revision stays unknown.
    }
  }
  return { version: env['BUILD_VERSION'] || pkg.version, revision };
}

export async function assembleRelease(
  root: string,
  outDir: string,
  stamp: Pick<BuildInfo, 'version' | 'revision'>,
): Promise<string[]> {
  const modules = await reachableModules(root);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.join(outDir, 'dist'), { recursive: true });
  const copy = (file: string) => {
    mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(outDir, file));
  };
  for (const file of ['package.json', 'package-lock.json']) copy(file);
  writeFileSync(path.join(outDir, BUILD_INFO_FILE), `${JSON.stringify(stamp)}\n`);
  for (const module of modules) {
    copy(module);
    if (existsSync(path.join(root, `${module}.map`))) copy(`${module}.map`);
  }
  cpSync(path.join(root, 'dist', 'web'), path.join(outDir, 'dist', 'web'), { recursive: true });
  return modules;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = process.argv[2];
  if (!outDir) throw new Error('usage: node dist/scripts/release.js OUT_DIR');
  const root = projectRoot();
  const info = buildStamp(root);
  const modules = await assembleRelease(root, path.resolve(outDir), info);
  console.log(
    `[release] ${info.version} (${info.revision}): ${modules.length} modules in ${outDir}`,
  );
}
