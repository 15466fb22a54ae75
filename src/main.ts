import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadConfig } from './config.js';
import { connectDatabase } from './db/connection.js';
import type { SyncRequester } from './domain/connector.js';
import type { DirectoryReleaser } from './domain/directory-releaser.js';
import { createHub } from './hub.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createOperability } from './observability/operability.js';

// TODO(sync-engine): replaced at merge. Logs the request and hands back a run id nobody runs.
function loggingSyncRequester(logger: Logger): SyncRequester {
  return {
    requestSync(connectorId, trigger, options) {
      const runId = randomUUID();
      logger.warn(
        { connectorId, trigger, mode: options?.mode, runId },
        'sync requested (no sync engine wired yet)',
      );
      return Promise.resolve({ runId });
    },
  };
}

// TODO(sync-engine): replaced at merge. Releases nothing.
function loggingDirectoryReleaser(logger: Logger): DirectoryReleaser {
  return {
    releaseConnectorUsers(connectorId) {
      logger.warn({ connectorId }, 'directory release requested (no sync engine wired yet)');
      return Promise.resolve({ released: 0 });
    },
  };
}

/** Wiring only: config -> database -> hub (services, GraphQL) -> HTTP; graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const connection = await connectDatabase({ uri: config.mongodbUri });
  const hub = await createHub(
    config,
    connection,
    {
      syncRequester: loggingSyncRequester(logger),
      directoryReleaser: loggingDirectoryReleaser(logger),
    },
    logger,
  );
  const ops = createOperability({ config, connection, logger, live: hub.live });
  const server = await hub.listen({ handlers: ops.handlers, readiness: ops.readiness });
  logger.info({ url: server.url }, 'entra connector hub listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await server.close();
    await ops.close();
    await hub.close();
    await connection.close();
    logger.info('stopped');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop(signal).catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      });
    });
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): stderr is the only channel left.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
