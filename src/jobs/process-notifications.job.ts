import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { NotificationProcessor } from '../webhooks/notification-processor.js';
import { forEachLimit } from '../domain/concurrency.js';
import { JobName, type ConnectorJobData } from './job-names.js';

export interface ProcessNotificationsDeps {
  processor: NotificationProcessor;
  logger: Logger;
  /** A notice this old is the sweep's to process (its own job went missing). */
  sweepQuietMs: number;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

/**
 * Two jobs: one per connector, queued by the receiver right after its 202; and a recurring sweep
 * for notices nobody processed (crash between ack and enqueue, a lost coalescing race, a failed
 * requestSync). Between them, a notification that was acknowledged is never lost.
 */
export function defineProcessNotificationJobs(
  agenda: Agenda,
  deps: ProcessNotificationsDeps,
): void {
  const log = deps.logger.child({ job: JobName.PROCESS_CONNECTOR_NOTIFICATIONS });
  const processQuietly = async (connectorId: string): Promise<void> => {
    try {
      await deps.processor.processConnector(connectorId);
    } catch (error) {
      // Never rethrown: a failed job would stay in the collection and, being unique
      // insert-only, swallow later enqueues. The notices stay; the sweep retries.
      log.warn({ connectorId, err: error }, 'processing notifications failed; the sweep retries');
    }
  };

  agenda.define<ConnectorJobData>(
    JobName.PROCESS_CONNECTOR_NOTIFICATIONS,
    (job) => processQuietly(job.attrs.data.connectorId),
    { concurrency: 8, removeOnComplete: true, lockLifetime: deps.lockLifetimeMs ?? 5 * 60_000 },
  );

  agenda.define(
    JobName.SWEEP_CHANGE_NOTICES,
    async () => {
      const ids = await deps.processor.staleConnectorIds(deps.sweepQuietMs);
      if (ids.length > 0)
        log.info({ connectors: ids.length }, 'sweeping unprocessed change notices');
      await forEachLimit(ids, 8, processQuietly);
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: deps.lockLifetimeMs ?? 10 * 60_000 },
  );
}
