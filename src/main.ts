import 'reflect-metadata';
import { loadConfig } from './config.js';
import { createLogger } from './logging/logger.js';
import { startHubRuntime } from './runtime/start-hub-runtime.js';

/** How long a graceful stop may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 30_000;

/** Wiring only (src/runtime/start-hub-runtime.ts), signals, and an explicit exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const runtime = await startHubRuntime({ config, logger });
  logger.info({ url: runtime.url }, 'entra connector hub listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    force.unref();
    await runtime.stop();
    logger.info('stopped');
    // Agenda 6 leaves a liveness timer per job run: exit explicitly instead of waiting for it.
    process.exit(process.exitCode ?? 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop(signal).catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): stderr is the only channel left.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
