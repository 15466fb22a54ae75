import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { JobCursorModel } from '../db/models/job-cursor.model.js';
import {
  SyncMode,
  SyncTrigger,
  type ConnectorRegistry,
  type SyncRequester,
} from '../domain/connector.js';
import type { GraphSubscriptionService } from '../webhooks/graph-subscription.service.js';
import { JobName } from './job-names.js';
import { SpreadDispatcher } from './spread-dispatcher.js';

export interface ReconcileConnectorsDeps {
  cursors: JobCursorModel;
  registry: Pick<ConnectorRegistry, 'listActiveConnectorIds'>;
  syncRequester: SyncRequester;
  /** Also re-checks each connector's subscriptions (drift, a failed creation, a new group). */
  subscriptions?: GraphSubscriptionService;
  reconcileIntervalMs: number;
  tickMs: number;
  logger: Logger;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

/**
 * The daily safety net behind the delta: a FULL RECONCILE sync per active connector, spread over
 * the interval like the poll so a fleet of connectors does not reconcile at midnight together.
 */
export function defineReconcileConnectorsJob(
  agenda: Agenda,
  deps: ReconcileConnectorsDeps,
): SpreadDispatcher {
  const log = deps.logger.child({ job: JobName.RECONCILE_CONNECTORS });
  const dispatcher = new SpreadDispatcher({
    key: JobName.RECONCILE_CONNECTORS,
    salt: 'reconcile',
    intervalMs: deps.reconcileIntervalMs,
    firstWindowMs: deps.tickMs,
    maxCatchUpMs: Math.min(60 * 60_000, deps.reconcileIntervalMs),
    concurrency: 4,
    cursors: deps.cursors,
    // A connector backing off skips its reconcile: a FULL read would be refused as the last
    // run was; the first successful run after it reads the delta, the next day's reconciles.
    listIds: ({ to }) => deps.registry.listActiveConnectorIds({ dueBy: to }),
    dispatch: async (id) => {
      await deps.syncRequester.requestSync(id, SyncTrigger.RECONCILE, { mode: SyncMode.FULL });
      if (deps.subscriptions) {
        await deps.subscriptions.reconcileSubscriptions(id).catch((error: unknown) => {
          log.warn({ connectorId: id, err: error }, 'subscription reconcile failed');
        });
      }
    },
    logger: log,
  });
  agenda.define(
    JobName.RECONCILE_CONNECTORS,
    async () => {
      const result = await dispatcher.tick();
      log.info(result, 'reconcile tick');
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: deps.lockLifetimeMs ?? 30 * 60_000 },
  );
  return dispatcher;
}

/** A 288th of the interval (5 minutes for a day), at least a minute. */
export function reconcileTickMs(reconcileIntervalMs: number): number {
  return Math.max(Math.round(reconcileIntervalMs / 288), 60_000);
}
