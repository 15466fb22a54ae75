import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { MongoProvisionError, type MongoServerHandle } from './mongo-server.js';

const execFileAsync = promisify(execFile);

export interface FerretDbOptions {
  /** Folder holding the launcher's Go sources (main.go, go.mod, go.sum). */
  sourceDir: string;
  /** Git-ignored folder where built binaries are cached, keyed by the sources' hash. */
  cacheDir: string;
  /** Keep data here across runs; a fresh temporary folder when absent. */
  dataDir?: string;
  /** Fixed port; a free loopback port when absent. */
  port?: number;
  log?: (line: string) => void;
}

/**
 * Builds (once, cached by content hash) and starts FerretDB v1 embedded with its SQLite
 * handler. Go fetches the module through the Go module proxy on the first build only.
 */
export async function startFerretDb(options: FerretDbOptions): Promise<MongoServerHandle> {
  const log = options.log ?? (() => undefined);
  const binary = await buildFerretDbLauncher(options, log);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'hub-ferretdb-')));
  await mkdir(dataDir, { recursive: true });

  let address = `127.0.0.1:${options.port ?? 0}`;
  let child: ChildProcess | undefined = undefined;

  const launch = async (): Promise<void> => {
    const started = await launchProcess(binary, address, dataDir);
    child = started.child;
    address = started.address;
  };
  const halt = async (): Promise<void> => {
    if (child) await terminate(child);
    child = undefined;
  };

  await launch();
  const uri = `mongodb://${address}/`;
  return {
    uri,
    provider: 'ferretdb',
    description: `FerretDB v1 (SQLite) at ${uri} (data in ${dataDir})`,
    async stop() {
      await halt();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
    pause: halt,
    start: launch,
  };
}

/** The launcher's own sources (tools/ferretdb), besides the patches to FerretDB. */
const LAUNCHER_FILES = ['go.mod', 'go.sum', 'main.go', 'serializer.go'];

/** Builds the launcher unless a binary for the current sources and Go version is cached. */
export async function buildFerretDbLauncher(
  options: Pick<FerretDbOptions, 'sourceDir' | 'cacheDir'>,
  log: (line: string) => void,
): Promise<string> {
  const patches = await listPatches(options.sourceDir);
  const sources = [...LAUNCHER_FILES, ...patches];
  const hash = createHash('sha256');
  for (const file of sources) {
    hash.update(file);
    hash.update(await readFile(path.join(options.sourceDir, file)));
  }
  const goVersion = await goToolVersion();
  hash.update(goVersion);
  const key = hash.digest('hex').slice(0, 16);
  const binary = path.join(options.cacheDir, `ferretdb-launcher-${key}`);
  if (existsSync(binary)) return binary;

  await mkdir(options.cacheDir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  log(`building the FerretDB launcher with ${goVersion} (first run only; fetches Go modules)...`);
  const started = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };
  const go = (cwd: string, args: string[]) =>
    execFileAsync('go', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  const buildDir = `${binary}.${process.pid}.src`;
  try {
    const cwd =
      patches.length > 0
        ? await patchedSources(options.sourceDir, patches, buildDir, go)
        : options.sourceDir;
    await go(cwd, ['build', '-trimpath', '-o', partial, '.']);
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new MongoProvisionError(`go build of the FerretDB launcher failed:\n${stderr.trim()}`);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  // Rename is atomic: two processes building at once both end with a complete binary.
  await rename(partial, binary);
  log(`built the FerretDB launcher in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

/**
 * Files under _patches/ (a folder the go tool ignores), as paths relative to the launcher's
 * folder; each replaces the FerretDB source file at the same path.
 */
async function listPatches(sourceDir: string): Promise<string[]> {
  const root = path.join(sourceDir, '_patches');
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.go'))
    .map((entry) => path.relative(sourceDir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * A build folder with FerretDB's module copied from the module cache, the patches laid over it,
 * and the launcher's module pointing at that copy (`replace`). Go refuses overlays of files in
 * the module cache, and a vendored or committed copy of FerretDB would be megabytes.
 */
async function patchedSources(
  sourceDir: string,
  patches: string[],
  buildDir: string,
  go: (cwd: string, args: string[]) => Promise<{ stdout: string }>,
): Promise<string> {
  const module = 'github.com/FerretDB/FerretDB';
  await go(sourceDir, ['mod', 'download', module]);
  const moduleDir = (await go(sourceDir, ['list', '-m', '-f', '{{.Dir}}', module])).stdout.trim();
  if (!moduleDir) throw new MongoProvisionError(`could not locate ${module} in the module cache`);
  const ferretDir = path.join(buildDir, 'ferretdb');
  const launcherDir = path.join(buildDir, 'launcher');
  await cp(moduleDir, ferretDir, { recursive: true });
  for (const patch of patches) {
    const target = path.join(ferretDir, path.relative('_patches', patch));
    if (!existsSync(target)) {
      throw new MongoProvisionError(`${patch} patches ${target}, which does not exist`);
    }
    // Module cache files are read-only: replace the file rather than write into it.
    await rm(target, { force: true });
    await cp(path.join(sourceDir, patch), target);
  }
  await mkdir(launcherDir, { recursive: true });
  for (const file of LAUNCHER_FILES) {
    await cp(path.join(sourceDir, file), path.join(launcherDir, file));
  }
  const goMod = await readFile(path.join(launcherDir, 'go.mod'), 'utf8');
  await writeFile(path.join(launcherDir, 'go.mod'), `${goMod}\nreplace ${module} => ../ferretdb\n`);
  return launcherDir;
}

async function goToolVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION']);
    return stdout.trim();
  } catch {
    throw new MongoProvisionError(
      'the Go toolchain (`go`) is not on PATH; it is needed to build FerretDB',
    );
  }
}

async function launchProcess(
  binary: string,
  listen: string,
  dataDir: string,
): Promise<{ child: ChildProcess; address: string }> {
  const args = [
    '-listen',
    listen,
    '-data-dir',
    dataDir,
    '-log-level',
    'error',
    '-exit-on-stdin-eof',
  ];
  // stdin stays open as a lifeline: when this process dies, the launcher sees EOF and stops.
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; address?: string };
        if (event.event === 'listening' && event.address) resolve(event.address);
      } catch {
        // FerretDB logs go to stderr; stray stdout lines are not ours to parse.
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with code ${code}: ${stderr.trim()}`)));
    child.once('error', reject);
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('did not report listening within 30 s')), 30_000).unref(),
  );
  try {
    const address = await Promise.race([ready, timeout]);
    // Let our process exit without waiting on the child; the stdin lifeline then stops it.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return { child, address };
  } catch (error) {
    child.kill('SIGKILL');
    throw new MongoProvisionError(`FerretDB failed to start: ${(error as Error).message}`);
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
