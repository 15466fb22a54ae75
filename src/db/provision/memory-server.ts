import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { MongoServerHandle } from './mongo-server.js';

export interface MemoryServerOptions {
  /** Keep data here across runs; a temporary folder when absent. */
  dbPath?: string;
  /** How long the binary download and start may take before we give up on this option. */
  timeoutMs: number;
  /** MONGOMS_SYSTEM_BINARY: a mongod to use instead of a download. */
  systemBinary?: string;
  /** Where mongodb-memory-server keeps downloaded binaries (checked before going online). */
  binaryCacheDirs: readonly string[];
  downloadHost: string;
}

export function defaultBinaryCacheDirs(projectRoot: string): string[] {
  return [
    path.join(projectRoot, 'node_modules', '.cache', 'mongodb-memory-server'),
    path.join(homedir(), '.cache', 'mongodb-binaries'),
  ];
}

/**
 * Starts a real `mongod` through mongodb-memory-server: the binary named by
 * MONGOMS_SYSTEM_BINARY, one cached by an earlier download, or a fresh download (which fails
 * fast without internet). It is a devDependency, so it is imported lazily.
 */
export async function startMemoryServer(options: MemoryServerOptions): Promise<MongoServerHandle> {
  if (!options.systemBinary && !options.binaryCacheDirs.some(hasEntries)) {
    // Without this check an offline machine spends several seconds in download retries.
    await lookup(options.downloadHost).catch(() => {
      throw new Error(`no cached mongod and ${options.downloadHost} is unreachable (offline?)`);
    });
  }
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  const create = MongoMemoryServer.create({
    instance: {
      ip: '127.0.0.1',
      ...(options.dbPath ? { dbPath: options.dbPath, storageEngine: 'wiredTiger' as const } : {}),
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no mongod within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
  });
  let server: Awaited<typeof create>;
  try {
    server = await Promise.race([create, timeout]);
  } catch (error) {
    // A create that lost the race may still finish later: stop it so it does not linger.
    void create.then((late) => late.stop()).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const uri = server.getUri();
  return {
    uri,
    provider: 'memory-server',
    description: `mongod (mongodb-memory-server) at ${uri}`,
    async stop() {
      await server.stop({ doCleanup: !options.dbPath, force: false });
    },
    async pause() {
      await server.stop({ doCleanup: false });
    },
    async start() {
      await server.start(true);
    },
  };
}

function hasEntries(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}
