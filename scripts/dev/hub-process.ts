import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface HubProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) whenever the process ends. */
  exited: Promise<string>;
  /** The last log lines, for an error message when the hub dies at boot. */
  recentLines(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<string>;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** What reaches the console; everything is in the log file. */
export type EchoLevel = 'error' | 'warn' | 'info';
const MIN_LEVEL: Record<EchoLevel, number> = { error: 50, warn: 40, info: 30 };

/**
 * Runs `node dist/src/main.js` with the given environment. Its JSON log lines go to `logFile`
 * in full, and in a short form to `echo` from `echoLevel` up. Request logs (one per HTTP request,
 * hundreds while the portal is open) stay in the file.
 */
export function startHubProcess(options: {
  mainPath: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  echo: (line: string) => void;
  echoLevel: EchoLevel;
}): HubProcess {
  // Its own process group: Ctrl-C reaches the launcher only, which stops the hub first and the
  // database last, instead of everything at once.
  const child = spawn(process.execPath, [options.mainPath], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
  };
  const minLevel = MIN_LEVEL[options.echoLevel];
  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    remember(line);
    const short = summarize(line, minLevel);
    if (short) options.echo(short);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    log.write(`${line}\n`);
    remember(line);
    options.echo(`[hub] ${line}`);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve(signal ?? `exit code ${code ?? 0}`);
    });
  });
  // A launcher that exits without stopping the hub (an uncaught error) takes it along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    exited,
    recentLines: () => [...recent],
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const outcome = await exited;
        clearTimeout(force);
        process.off('exit', killOnExit);
        return outcome;
      }
      process.off('exit', killOnExit);
      return exited;
    },
  };
}

function summarize(line: string, minLevel: number): string | null {
  let entry: { level?: number; msg?: string; [key: string]: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return `[hub] ${line}`;
  }
  const level = entry.level ?? 30;
  if (level < minLevel) return null;
  if (entry['component'] === 'http' && level < 40) return null;
  const extras = ['url', 'connectorId', 'runId', 'status', 'err']
    .filter((key) => entry[key] !== undefined)
    .map((key) => {
      const value = entry[key];
      const text =
        typeof value === 'object' && value !== null && 'message' in value
          ? String(value.message)
          : String(value);
      return `${key}=${text}`;
    });
  return `[hub] ${LEVELS[level] ?? level} ${entry.msg ?? ''}${extras.length ? ` (${extras.join(' ')})` : ''}`;
}

/** Polls the hub's /readyz until it answers 200; fails at once if the process exits. */
export async function waitUntilReady(
  url: string,
  exited: Promise<string>,
  recentLines: () => string[],
): Promise<void> {
  const hub: { gone: string | null } = { gone: null };
  void exited.then((outcome) => (hub.gone = outcome));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (hub.gone !== null) {
      throw new Error(`the hub exited during startup (${hub.gone}):\n${recentLines().join('\n')}`);
    }
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the hub did not become ready at ${url} within 90 s`);
}

/** The JWT issuer and audience of the dev stack (the CLI and the portal mint tokens with them). */
export const ISSUER = 'entra-connector-hub';
export const AUDIENCE = 'entra-connector-hub';

/** Generated once per .dev folder (secrets.json). */
export interface DevSecrets {
  authJwtSecret: string;
  encryptionKeys: string;
}

/** The dev hub's whole environment: nothing else of the launcher's reaches it. */
export function hubEnv(o: {
  hubPort: number;
  hubUrl: string;
  mongodbUri: string;
  emulatorUrl: string;
  caFile: string;
  secrets: DevSecrets;
  signInFile: string;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(o.hubPort),
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    MONGODB_URI: o.mongodbUri,
    // Graph (the emulator, in dev mode) posts change notifications to the hub itself.
    PUBLIC_BASE_URL: o.hubUrl,
    // The built-in portal at /portal (also where admin consent lands) and GraphiQL at /graphql;
    // the portal offers the demo admins as one-click sign-ins.
    PORTAL_ENABLED: 'true',
    GRAPHIQL_ENABLED: 'true',
    PORTAL_DEV_SIGN_IN_FILE: o.signInFile,
    ENCRYPTION_KEYS: o.secrets.encryptionKeys,
    AUTH_JWT_SECRET: o.secrets.authJwtSecret,
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_AUDIENCE: AUDIENCE,
    ENTRA_AUTHORITY_HOST: o.emulatorUrl,
    GRAPH_BASE_URL: o.emulatorUrl,
    ENTRA_CA_FILE: o.caFile,
    // The demo webhook receiver listens on loopback (http is allowed outside production).
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  };
}
