/**
 * A real hub process (`node dist/src/main.js`, built by `npm test` / `npm run build`) for tests
 * that need what only a process has: signals, SIGKILL, restarts, two instances on one database.
 *
 *   const emulator = await startTestEmulator();
 *   const hub = await startHubProcess({ emulator });       // its own test database, free port
 *   await fetch(`${hub.url}/healthz`);
 *   await hub.waitForLog((r) => r.msg === 'hub runtime started: Graph notifications and polling');
 *   await hub.kill();                                        // SIGKILL, nothing graceful
 *   const again = await startHubProcess({ env: hub.env });   // same database, port and keys
 *   await again.stop();                                      // SIGTERM, waits for the exit
 *   await dropHubDatabase(hub.env);                          // when the test is done with it
 *
 * Environment: NODE_ENV=test, MONGODB_URI = a fresh database on the test server, a random
 * ENCRYPTION_KEYS, AUTH_JWT_SECRET = TEST_JWT_SECRET (sign with test/helpers/hub.ts), PORT = a
 * free port, PUBLIC_BASE_URL = the process itself (pass `webhooks: false` for polling only),
 * LOG_LEVEL=debug, and the emulator's authority, Graph URL and CA file when one is given.
 * `env` overrides any of them (SYNC_POLL_INTERVAL_MS, PUBSUB_MODE, ...).
 *
 * Logs: every stdout line is kept (`lines`), JSON ones parsed (`records`); stderr is kept apart
 * (`stderr`). Nothing reaches the test's console. `exited` resolves with the exit code/signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mongoose from 'mongoose';
import { projectRoot } from '../../src/config.js';
import { testDatabaseUri } from './database.js';
import type { RunningEmulator } from './emulator.js';
import { freePort, PORTAL_URL, TEST_JWT_SECRET } from './hub.js';
import { waitFor } from './wait.js';

export interface HubProcessOptions {
  /** Point Entra and Graph at this emulator (authority, Graph URL, trusted CA). */
  emulator?: RunningEmulator;
  /** false: no PUBLIC_BASE_URL, the hub runs on polling alone. Default true. */
  webhooks?: boolean;
  /** Added over the defaults; pass a previous process's `env` to restart "the same" hub. */
  env?: Record<string, string>;
  /** How long to wait for /readyz. Default 30 s (a cold start builds Agenda indexes). */
  readyTimeoutMs?: number;
  /** Extra node flags, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HubProcess {
  pid: number;
  url: string;
  port: number;
  /** The complete environment the process got (reuse it to restart on the same database). */
  env: Record<string, string>;
  child: ChildProcess;
  /** Raw stdout lines so far. */
  lines: string[];
  /** stdout lines that are JSON (pino records), parsed. */
  records(): Record<string, unknown>[];
  stderr(): string;
  /** The first record (already logged or later) that matches. */
  waitForLog(
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<Record<string, unknown>>;
  exited: Promise<ExitInfo>;
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`, default 40 s). */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<ExitInfo>;
}

/** The default environment for a hub process, before `options.env`. */
export async function hubProcessEnv(
  options: Pick<HubProcessOptions, 'emulator' | 'webhooks'> = {},
): Promise<Record<string, string>> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'debug',
    MONGODB_URI: testDatabaseUri(),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    // Where the consent callback sends the browser, as in-process test hubs have it.
    PORTAL_URL,
    ...(options.webhooks === false ? {} : { PUBLIC_BASE_URL: url }),
    ...(options.emulator
      ? {
          ENTRA_AUTHORITY_HOST: options.emulator.authorityHost,
          GRAPH_BASE_URL: options.emulator.graphBaseUrl,
          ENTRA_CA_FILE: await options.emulator.writeCaFile(),
        }
      : {}),
  };
}

export async function startHubProcess(options: HubProcessOptions = {}): Promise<HubProcess> {
  const base =
    options.env?.['PORT'] && options.env['MONGODB_URI'] ? {} : await hubProcessEnv(options);
  const env: Record<string, string> = { ...base, ...options.env };
  const port = Number(env['PORT']);
  const url = `http://${env['HOST'] ?? '127.0.0.1'}:${port}`;
  const main = path.join(projectRoot(), 'dist', 'src', 'main.js');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    // PATH only from the parent: the hub reads nothing else that tests did not set on purpose.
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const parsed: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  // HUB_TEST_LOG_DIR keeps every hub process's output in <dir>/hub-<pid>.log, for diagnosing runs.
  const logDir = process.env['HUB_TEST_LOG_DIR'];
  const logFile = logDir ? path.join(logDir, `hub-${child.pid}.log`) : undefined;
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (logFile) fs.appendFileSync(logFile, chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.length === 0) continue;
      lines.push(line);
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a pino record; kept in `lines`
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (logFile) fs.appendFileSync(logFile, chunk);
  });
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exit: ExitInfo | undefined;
  void exited.then((info) => (exit = info));

  const stopWith = async (signal: NodeJS.Signals, timeoutMs: number): Promise<ExitInfo> => {
    if (exit) return exit;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const hub: HubProcess = {
    pid: child.pid ?? -1,
    url,
    port,
    env,
    child,
    lines,
    records: () => [...parsed],
    stderr: () => stderr,
    waitForLog: (match, timeoutMs = 15_000, what = 'a log record') =>
      waitFor(
        () => {
          if (exit) throw new Error(`hub exited (${describe(exit)}): ${stderr.slice(-500)}`);
          return parsed.find(match);
        },
        timeoutMs,
        what,
      ),
    exited,
    stop: (timeoutMs = 40_000) => stopWith('SIGTERM', timeoutMs),
    kill: () => stopWith('SIGKILL', 10_000),
  };

  try {
    await untilReady(url, () => (exit ? new HubExitedError(exit, stderr) : undefined), {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      port,
    });
  } catch (error) {
    await hub.kill();
    throw error;
  }
  return hub;
}

/** Drops the database a hub process used (call once every process on it has exited). */
export async function dropHubDatabase(env: Record<string, string>): Promise<void> {
  const uri = env['MONGODB_URI'];
  if (!uri) return;
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/**
 * The end of a file's hub processes: kills them, closes what read their database, drops that
 * database (they all share the first one's), stops the emulator. Parts not started are skipped.
 */
export async function stopHubs(parts: {
  hubs: (HubProcess | undefined)[];
  data?: { close(): Promise<void> } | undefined;
  emulator?: { stop(): Promise<void> } | undefined;
}): Promise<void> {
  const hubs = parts.hubs.filter((hub): hub is HubProcess => hub !== undefined);
  await Promise.all(hubs.map((hub) => hub.kill()));
  await parts.data?.close();
  if (hubs[0]) await dropHubDatabase(hubs[0].env);
  await parts.emulator?.stop();
}

/** Polls /readyz; fails at once when the process exited, with what it wrote to stderr. */
async function untilReady(
  url: string,
  exitedError: () => Error | undefined,
  options: { timeoutMs: number; port: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const exitError = exitedError();
    if (exitError) throw exitError;
    const response = await fetch(`${url}/readyz`).catch(() => null);
    if (response?.status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the hub process on port ${options.port} was not ready within ${options.timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

class HubExitedError extends Error {
  constructor(exit: ExitInfo, stderr: string) {
    super(
      `the hub process exited (${describe(exit)}) before it was ready: ${stderr.slice(-1_000)}`,
    );
  }
}

function describe(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}
