import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { JobCursorModel } from '../db/models/job-cursor.model.js';
import { SyncTrigger, type ConnectorRegistry, type SyncRequester } from '../domain/connector.js';
import { JobName } from './job-names.js';
import { SpreadDispatcher } from './spread-dispatcher.js';
import type { ConnectorPoller, SyncActivity } from '../domain/sync-ports.js';

export interface PollConnectorsDeps {
  cursors: JobCursorModel;
  registry: Pick<ConnectorRegistry, 'listActiveConnectorIds'>;
  syncRequester: SyncRequester;
  syncActivity?: SyncActivity;
  poller?: ConnectorPoller;
  pollIntervalMs: number;
  /** How often the tick runs; the interval is covered in slices of this size. */
  tickMs: number;
  concurrency?: number;
  logger: Logger;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

/**
 * The one-minute fallback: a delta check (a POLL sync when something changed) per active
 * connector per interval, spread out.
 * Connectors backing off after failed runs (an expired secret, revoked consent) are left out by
 * the registry's query until their retry time.
 */
export function definePollConnectorsJob(
  agenda: Agenda,
  deps: PollConnectorsDeps,
): SpreadDispatcher {
  const log = deps.logger.child({ job: JobName.POLL_CONNECTORS });
  const dispatcher = new SpreadDispatcher({
    key: JobName.POLL_CONNECTORS,
    salt: 'poll',
    intervalMs: deps.pollIntervalMs,
    firstWindowMs: deps.tickMs,
    // A missed slice is caught up only if it is recent; otherwise the next interval covers it.
    maxCatchUpMs: Math.min(deps.tickMs * 3, deps.pollIntervalMs),
    // Idle polls are delta probes waiting on Graph and reads: many in flight per tick keeps a
    // tick's slice (2,000 connectors a minute: ~170 per 5 s tick) inside its tick.
    concurrency: deps.concurrency ?? 96,
    cursors: deps.cursors,
    listIds: ({ to }) =>
      deps.registry.listActiveConnectorIds({ dueBy: pollDueBy(to, deps.pollIntervalMs) }),
    dispatch: async (id) => {
      if (deps.poller) await deps.poller.poll(id);
      else await deps.syncRequester.requestSync(id, SyncTrigger.POLL);
    },
    ...(deps.syncActivity ? { busyIds: () => deps.syncActivity!.runningConnectorIds() } : {}),
    logger: log,
  });
  agenda.define(
    JobName.POLL_CONNECTORS,
    async () => {
      const result = await dispatcher.tick();
      if (result.failed > 0) log.warn(result, 'poll tick finished with failures');
      else log.debug(result, 'poll tick');
    },
    {
      concurrency: 1,
      lockLimit: 1,
      lockLifetime: deps.lockLifetimeMs ?? Math.max(deps.pollIntervalMs, 60_000),
    },
  );
  return dispatcher;
}

/**
 * A connector backing off after failures is polled in this window if its retry time falls
 * before the middle of the next interval. The retry time counts from the end of the failed run
 * (a little after its poll slot), and a connector comes up only once per interval: without the
 * half-interval grace a one-minute backoff would wait two minutes.
 */
export function pollDueBy(windowEnd: Date, pollIntervalMs: number): Date {
  return new Date(windowEnd.getTime() + Math.floor(pollIntervalMs / 2));
}

/** The tick: a twelfth of the interval, between 1 s and 60 s (5 s for the default minute). */
export function pollTickMs(pollIntervalMs: number): number {
  return Math.min(Math.max(Math.round(pollIntervalMs / 12), 1_000), 60_000);
}
