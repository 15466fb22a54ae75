import { startFerretDb } from './ferretdb-server.js';
import { startMemoryServer } from './memory-server.js';
import { MongoProvisionError, type MongoProvider, type MongoServerHandle } from './mongo-server.js';

export interface ProvisionOptions {
  /** An existing server (docker-compose's, Atlas, anything): used as is when set. */
  mongodbUri?: string;
  /** `auto` tries uri -> memory-server -> ferretdb; a single name tries only that one. */
  provider: 'auto' | MongoProvider;
  memoryServer: {
    timeoutMs: number;
    systemBinary?: string;
    binaryCacheDirs: readonly string[];
    downloadHost: string;
  };
  ferretDb: { sourceDir: string; cacheDir: string };
  /** Persist data here (the dev stack); temporary otherwise (tests). */
  dataDir?: string;
  log?: (line: string) => void;
}

/**
 * The one place that decides which MongoDB-compatible server a dev or test run uses. It never
 * silently skips: when nothing works the error lists every option tried and why it failed.
 */
export async function provisionMongo(options: ProvisionOptions): Promise<MongoServerHandle> {
  const log = options.log ?? (() => undefined);
  const attempts: string[] = [];
  const wants = (provider: MongoProvider): boolean =>
    options.provider === 'auto' || options.provider === provider;

  if (wants('uri')) {
    if (options.mongodbUri) {
      const uri = options.mongodbUri;
      return {
        uri,
        provider: 'uri',
        description: `MongoDB from MONGODB_URI (${redactUri(uri)})`,
        stop: () => Promise.resolve(),
      };
    }
    attempts.push('MONGODB_URI: not set');
  }

  if (wants('memory-server')) {
    try {
      return await startMemoryServer({
        ...options.memoryServer,
        ...(options.dataDir ? { dbPath: `${options.dataDir}/mongod` } : {}),
      });
    } catch (error) {
      const reason = oneLine(error);
      attempts.push(`mongodb-memory-server: ${reason}`);
      log(`mongodb-memory-server unavailable (${reason}); trying the next option`);
    }
  }

  if (wants('ferretdb')) {
    try {
      return await startFerretDb({
        ...options.ferretDb,
        log,
        ...(options.dataDir ? { dataDir: `${options.dataDir}/ferretdb` } : {}),
      });
    } catch (error) {
      attempts.push(`FerretDB: ${(error as Error).message}`);
    }
  }

  throw new MongoProvisionError(
    'No MongoDB-compatible server could be started. Set MONGODB_URI to an existing server, ' +
      'set MONGOMS_SYSTEM_BINARY to a mongod binary, or install Go so FerretDB can be built. Tried:',
    attempts,
  );
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim().slice(0, 300) || 'unknown error';
}

/** Hides credentials in a connection string before it is printed. */
export function redactUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '<unparseable MONGODB_URI>';
  }
}
