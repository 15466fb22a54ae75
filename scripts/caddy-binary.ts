/**
 * The Caddy binary test/deploy/proxy.test.ts runs the shipped deploy/caddy/Caddyfile with: built
 * from tools/caddy (the Caddy release deploy/compose.yaml's proxy image carries) through the Go
 * module proxy, so nothing is downloaded as a binary. Cached under .cache/caddy by a digest of
 * the sources and the Go version; `node dist/scripts/build-caddy.js` builds it ahead of time
 * (.ci/run does), the proxy test builds it when missing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const SOURCES = ['go.mod', 'go.sum', 'main.go'];

export interface CaddyBuild {
  binary: string;
  /** False when the cached binary was reused. */
  built: boolean;
  seconds: number;
}

/** The cached binary for the current sources and Go version, built first if missing. */
export async function ensureCaddy(root: string, log: (line: string) => void): Promise<CaddyBuild> {
  const sourceDir = path.join(root, 'tools', 'caddy');
  const goVersion = await goToolVersion();
  const hash = createHash('sha256').update(goVersion);
  for (const file of SOURCES) {
    hash.update(file).update(await readFile(path.join(sourceDir, file)));
  }
  const cacheDir = path.join(root, '.cache', 'caddy');
  const binary = path.join(cacheDir, `caddy-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return { binary, built: false, seconds: 0 };

  await mkdir(cacheDir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  log(`building Caddy (tools/caddy) with ${goVersion}; the first build takes a few minutes...`);
  const started = Date.now();
  // GOTOOLCHAIN=local: an older Go fails here rather than fetching a newer toolchain binary.
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' };
  try {
    await execFileAsync('go', ['build', '-trimpath', '-o', partial, '.'], {
      cwd: sourceDir,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`go build of tools/caddy failed:\n${stderr.trim()}`);
  }
  // Atomic: two processes building at once both end with a complete binary.
  await rename(partial, binary);
  const seconds = (Date.now() - started) / 1000;
  log(`built ${path.relative(root, binary)} in ${seconds.toFixed(1)} s`);
  return { binary, built: true, seconds };
}

async function goToolVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], {
      env: { ...process.env, GOTOOLCHAIN: 'local' },
    });
    return stdout.trim();
  } catch {
    throw new Error('the Go toolchain (`go`) is not on PATH; it is needed to build tools/caddy');
  }
}
