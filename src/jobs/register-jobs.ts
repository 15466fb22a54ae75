import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { changeNoticeModel } from '../db/models/change-notice.model.js';
import { jobCursorModel } from '../db/models/job-cursor.model.js';
import { leaseModel } from '../db/models/lease.model.js';
import type { ConnectorRegistry, SyncRequester } from '../domain/connector.js';
import type { EventBus } from '../events/event-bus.js';
import type { RealtimeTopics } from '../events/topics.js';
import { NotificationProcessor } from '../webhooks/notification-processor.js';
import type { NoticeActivity } from '../webhooks/notice-activity.js';
import type { GraphSubscriptionService } from '../webhooks/graph-subscription.service.js';
import { JobName } from './job-names.js';
import { definePollConnectorsJob, pollTickMs } from './poll-connectors.job.js';
import { defineProcessNotificationJobs } from './process-notifications.job.js';
import { defineReconcileConnectorsJob, reconcileTickMs } from './reconcile-connectors.job.js';
import { defineRenewSubscriptionJobs } from './renew-subscriptions.job.js';
import { defineRunRetentionJob } from './run-retention.job.js';
import {
  defineSecretExpiryWarningsJob,
  type SecretExpirySource,
} from './secret-expiry-warnings.job.js';
import type { SpreadDispatcher } from './spread-dispatcher.js';
import type { ConnectorPoller, SyncActivity, SyncRunRetention } from '../domain/sync-ports.js';

export interface RealtimeJobTiming {
  pollTickMs: number;
  reconcileTickMs: number;
  sweepEveryMs: number;
  sweepQuietMs: number;
  renewEveryMs: number;
  dailyEveryMs: number;
  /** Notification processing waits for a burst to settle this long (at most maxSettleMs). */
  settleMs: number;
  maxSettleMs: number;
  /**
   * Overrides every job's lock lifetime. Agenda 6 starts a liveness timer of half the lifetime
   * per job run and does not cancel it when the job ends: tests shorten it so Jest can exit.
   */
  lockLifetimeMs?: number;
}

export interface RealtimeJobsDeps {
  agenda: Agenda;
  connection: Connection;
  registry: ConnectorRegistry;
  syncRequester: SyncRequester;
  /** Optional: connectors with a sync in progress are skipped by the poll. */
  syncActivity?: SyncActivity;
  /** Optional: idle polls become delta probes without a run. */
  poller?: ConnectorPoller;
  /** Optional: this instance's receiver, so settling a burst needs no database reads. */
  noticeActivity?: NoticeActivity;
  subscriptions: GraphSubscriptionService;
  secretExpiry: SecretExpirySource;
  runRetention: SyncRunRetention;
  events: Pick<EventBus<RealtimeTopics>, 'publish'>;
  sync: Pick<Config['sync'], 'pollIntervalMs' | 'reconcileIntervalMs' | 'runRetentionDays'>;
  logger: Logger;
  /** Overrides for tests and benchmarks; production derives everything from `sync`. */
  timing?: Partial<RealtimeJobTiming>;
}

export interface RealtimeJobs {
  processor: NotificationProcessor;
  poll: SpreadDispatcher;
  reconcile: SpreadDispatcher;
  timing: RealtimeJobTiming;
}

/**
 * Defines every real-time job on `agenda` and schedules the recurring ones. Call it on every hub
 * instance before `agenda.start()`: recurring jobs are single documents (`every`), and Agenda's
 * lock lets one instance at a time run each; each job is also safe if two ever do.
 */
export async function registerRealtimeJobs(deps: RealtimeJobsDeps): Promise<RealtimeJobs> {
  const { agenda, connection, logger } = deps;
  const timing: RealtimeJobTiming = {
    pollTickMs: pollTickMs(deps.sync.pollIntervalMs),
    reconcileTickMs: reconcileTickMs(deps.sync.reconcileIntervalMs),
    sweepEveryMs: 15_000,
    sweepQuietMs: 5_000,
    renewEveryMs: 60 * 60_000,
    dailyEveryMs: 86_400_000,
    settleMs: 300,
    maxSettleMs: 2_000,
    ...deps.timing,
  };
  const cursors = jobCursorModel(connection);
  const leases = leaseModel(connection);
  const processor = new NotificationProcessor({
    notices: changeNoticeModel(connection),
    syncRequester: deps.syncRequester,
    logger,
    settleMs: timing.settleMs,
    maxSettleMs: timing.maxSettleMs,
    ...(deps.noticeActivity ? { activity: deps.noticeActivity } : {}),
    isActive: async (id) => (await deps.registry.loadSyncConfig(id)) !== null,
    deferredUntil: (id) => deps.registry.syncDeferredUntil(id),
  });
  const lock = timing.lockLifetimeMs === undefined ? {} : { lockLifetimeMs: timing.lockLifetimeMs };

  defineProcessNotificationJobs(agenda, {
    processor,
    logger,
    sweepQuietMs: timing.sweepQuietMs,
    ...lock,
  });
  const poll = definePollConnectorsJob(agenda, {
    cursors,
    registry: deps.registry,
    syncRequester: deps.syncRequester,
    ...(deps.syncActivity ? { syncActivity: deps.syncActivity } : {}),
    ...(deps.poller ? { poller: deps.poller } : {}),
    pollIntervalMs: deps.sync.pollIntervalMs,
    tickMs: timing.pollTickMs,
    logger,
    ...lock,
  });
  const reconcile = defineReconcileConnectorsJob(agenda, {
    cursors,
    registry: deps.registry,
    syncRequester: deps.syncRequester,
    subscriptions: deps.subscriptions,
    reconcileIntervalMs: deps.sync.reconcileIntervalMs,
    tickMs: timing.reconcileTickMs,
    logger,
    ...lock,
  });
  defineRenewSubscriptionJobs(agenda, { subscriptions: deps.subscriptions, logger, ...lock });
  defineSecretExpiryWarningsJob(agenda, {
    source: deps.secretExpiry,
    events: deps.events,
    leases,
    logger,
    ...lock,
  });
  defineRunRetentionJob(agenda, {
    retention: deps.runRetention,
    retentionDays: deps.sync.runRetentionDays,
    logger,
    ...lock,
  });

  // Agenda 6 takes milliseconds as numbers; strings it cannot parse silently never run.
  await Promise.all([
    agenda.every(timing.pollTickMs, JobName.POLL_CONNECTORS),
    agenda.every(timing.sweepEveryMs, JobName.SWEEP_CHANGE_NOTICES),
    agenda.every(timing.renewEveryMs, JobName.RENEW_SUBSCRIPTIONS),
    agenda.every(timing.reconcileTickMs, JobName.RECONCILE_CONNECTORS),
    agenda.every(timing.dailyEveryMs, JobName.SECRET_EXPIRY_WARNINGS),
    agenda.every(timing.dailyEveryMs, JobName.RUN_RETENTION),
  ]);
  return { processor, poll, reconcile, timing };
}
