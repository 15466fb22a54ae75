/**
 * What the production image holds (Dockerfile, scripts/release.ts), checked without a Docker
 * engine: the release laid out from this build has the service and its CLI, nothing of the
 * emulator, benches or scripts; every import in it resolves inside it or to a production
 * dependency; it runs; and the Dockerfile ships that release, pinned, labelled and stamped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { cruise, type IModule } from 'dependency-cruiser';
import { projectRoot } from '../../src/config.js';
import { readBuildInfo } from '../../src/observability/build-info.js';
import { HEAP_SHARE_MAX } from '../../src/observability/heap-budget.js';
import {
  assembleRelease,
  buildStamp,
  RELEASE_ENTRY_POINTS,
  RESOLVE,
} from '../../scripts/release.js';
import { testDatabaseUri, uniqueDatabaseName } from '../helpers/database.js';
import { readCompose, services, type ComposeMap } from './compose-file.js';
import { TEST_JWT_SECRET } from '../helpers/hub.js';

const root = projectRoot();
// Inside the repository, so bare imports resolve from its node_modules (checked against the
// production list below, not merely resolved).
const release = path.join(root, '.cache', 'release-test');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/**
 * Dev dependencies a shipped module may import dynamically: only on paths production never
 * takes. memory-server.ts starts a throwaway mongod for tests and `npm run dev`; config.ts
 * imports it for its cache folder list.
 */
const DYNAMIC_DEV_IMPORTS = new Set(['mongodb-memory-server']);

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, base) : [path.relative(base, full)];
  });
}

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

let modules: IModule[];

beforeAll(async () => {
  await assembleRelease(root, release, buildStamp(root, { BUILD_REVISION: 'test-revision' }));
  const previous = process.cwd();
  process.chdir(release);
  try {
    const result = await cruise(RELEASE_ENTRY_POINTS, {
      moduleSystems: ['es6'],
      enhancedResolveOptions: RESOLVE,
    });
    if (typeof result.output === 'string') throw new Error('no module list');
    modules = result.output.modules;
  } finally {
    process.chdir(previous);
  }
}, 120_000);

describe('the release the image holds', () => {
  it('has the service, the CLI, the portal and the build stamp; not the emulator, benches or scripts', () => {
    const shipped = files(release);
    expect(shipped).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'dist/build-info.json',
        'dist/src/main.js',
        'dist/src/cli/main.js',
        'dist/src/cli/migrate.command.js',
        'dist/src/cli/reencrypt.command.js',
        'dist/web/portal/index.html',
      ]),
    );
    const forbidden = shipped.filter((f) =>
      /^dist\/(bench|scripts|test)\/|^dist\/src\/emulator\/|^(src|test|tools|bench|scripts|node_modules)\//.test(
        f,
      ),
    );
    expect(forbidden).toEqual([]);
    // Dev-only provisioning the service never imports (FerretDB launcher, server discovery).
    expect(shipped.filter((f) => f.startsWith('dist/src/db/provision/'))).toEqual([
      'dist/src/db/provision/memory-server.js',
      'dist/src/db/provision/memory-server.js.map',
    ]);
  });

  it('resolves every import inside the release or to a production dependency', () => {
    const problems: string[] = [];
    const used = new Set<string>();
    for (const module of modules) {
      if (!module.source.startsWith('dist/')) continue;
      for (const dep of module.dependencies) {
        const where = `${module.source} -> ${dep.module}`;
        if (dep.couldNotResolve) problems.push(`${where}: does not resolve`);
        else if (dep.coreModule) continue;
        else if (dep.dependencyTypes.includes('local')) {
          if (!existsSync(path.join(release, dep.resolved))) problems.push(`${where}: not shipped`);
        } else {
          const name = packageOf(dep.module);
          used.add(name);
          const dynamicDev = dep.dynamic && DYNAMIC_DEV_IMPORTS.has(name);
          if (!(name in pkg.dependencies) && !dynamicDev)
            problems.push(`${where}: not a dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Every production dependency is imported by the release (or is a peer of one that is):
    // anything else only makes the image bigger. selfsigned serves the emulator alone.
    const peers = new Set(['class-validator', 'reflect-metadata']);
    const unused = Object.keys(pkg.dependencies).filter((d) => !used.has(d) && !peers.has(d));
    expect(unused).toEqual([]);
    expect(pkg.dependencies).not.toHaveProperty('selfsigned');
  });

  it('stamps version and revision for build_info', () => {
    expect(readBuildInfo(release)).toEqual({
      version: pkg.version,
      revision: 'test-revision',
      node: process.version,
    });
  });

  it('runs: the shipped CLI answers `migrate status` on a database', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(release, 'dist', 'src', 'cli', 'main.js'), 'migrate', 'status'],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          MONGODB_URI: testDatabaseUri(uniqueDatabaseName('release')),
          ENCRYPTION_KEYS: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64')}`,
          AUTH_JWT_SECRET: TEST_JWT_SECRET,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect([result.status, result.stderr]).toEqual([1, '']);
    expect(result.stdout).toContain('not migrated: run migrate');
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  const hubService = services(readCompose())['hub-1']!;

  it('builds from a Node image pinned to a patch release', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM .*/gm)).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
  });

  it('ships only the release stage output and production dependencies, as user node', () => {
    expect(dockerfile).toContain('node dist/scripts/release.js /release');
    expect(runtime.match(/^COPY .*/gm)).toEqual([
      'COPY --from=build /release/package.json /release/package-lock.json ./',
      'COPY --from=build /release/dist ./dist',
    ]);
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toMatch(/^USER node$/m);
  });

  it('labels the image with version, revision and source (OCI)', () => {
    for (const label of ['version', 'revision', 'source']) {
      expect(runtime).toMatch(
        new RegExp(`org\\.opencontainers\\.image\\.${label}="\\$\\{[A-Z]+\\}"`),
      );
    }
  });

  it('caps the V8 heap within the memory limit of the hubs, the budget the sync benches measure under', () => {
    const budget = /^\s+NODE_OPTIONS=--max-old-space-size=(\d+) \\$/m.exec(runtime)?.[1];
    expect(budget).toBeDefined();
    const resources = (hubService['deploy'] as ComposeMap)['resources'] as ComposeMap;
    const memory = (resources['limits'] as ComposeMap)['memory'] as string;
    expect(memory).toMatch(/^\d+M$/);
    // The share the hub's start-up check allows: room beside the heap for code and buffers.
    expect(Number(budget)).toBeLessThanOrEqual(parseInt(memory, 10) * HEAP_SHARE_MAX);
    for (const bench of ['bench:sync', 'bench:scale']) {
      expect([bench, pkg.scripts[bench]]).toEqual([
        bench,
        expect.stringContaining(` --max-old-space-size=${budget} `),
      ]);
    }
  });

  it('sends the daemon neither secrets nor the folders the image does not need', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of [
      '.env',
      '.git',
      'node_modules',
      'dist',
      'test',
      'bench',
      'deploy',
      'tools',
    ]) {
      expect(ignored).toContain(entry);
    }
  });
});
