import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { GraphSubscriptionService } from '../webhooks/graph-subscription.service.js';
import { forEachLimit } from '../domain/concurrency.js';
import { JobName, type ConnectorJobData } from './job-names.js';

export interface RenewSubscriptionsDeps {
  subscriptions: GraphSubscriptionService;
  logger: Logger;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

/**
 * The recurring renewal (subscriptions with a quarter of their lifetime left, or flagged by a
 * lifecycle event) and the per-connector job a lifecycle notification queues. Both reconcile the
 * whole connector, under its lease, so a renewal and a recreation never race.
 */
export function defineRenewSubscriptionJobs(agenda: Agenda, deps: RenewSubscriptionsDeps): void {
  const log = deps.logger.child({ job: JobName.RENEW_SUBSCRIPTIONS });
  const reconcile = async (connectorId: string): Promise<void> => {
    try {
      const result = await deps.subscriptions.reconcileSubscriptions(connectorId);
      if (result.failed > 0) log.warn({ connectorId, ...result }, 'subscription upkeep incomplete');
    } catch (error) {
      // Not rethrown (see process-notifications.job.ts); the recurring job retries from the DB.
      log.warn({ connectorId, err: error }, 'subscription upkeep failed');
    }
  };

  agenda.define(
    JobName.RENEW_SUBSCRIPTIONS,
    async () => {
      const ids = await deps.subscriptions.connectorIdsNeedingMaintenance();
      await forEachLimit(ids, 4, reconcile);
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: deps.lockLifetimeMs ?? 30 * 60_000 },
  );

  agenda.define<ConnectorJobData>(
    JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS,
    (job) => reconcile(job.attrs.data.connectorId),
    { concurrency: 4, removeOnComplete: true, lockLifetime: deps.lockLifetimeMs ?? 5 * 60_000 },
  );
}
