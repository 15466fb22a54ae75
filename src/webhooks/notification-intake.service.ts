import type { Logger } from 'pino';
import type { GraphSubscriptionModel } from '../db/models/graph-subscription.model.js';
import type { ChangeNoticeWriter } from './change-notices.js';
import { clientStateMatches } from './client-state.js';
import {
  isLifecycle,
  LifecycleEvent,
  type GraphNotification,
  type LifecycleNotification,
} from './notification.schema.js';
import type { NoticeActivity } from './notice-activity.js';
import type { SubscriptionKey, SubscriptionLookup } from './subscription-lookup.js';
import type { WebhookStats } from './webhook-stats.js';

/**
 * Where the receiver hands work after it acknowledged Graph. Implemented with Agenda
 * (src/jobs/notification-scheduler.ts); a miss here loses nothing, since the persisted notice or
 * flag is picked up by the sweep.
 */
export interface NotificationScheduler {
  /** A connector has change notices: run (or coalesce into) its delta-sync processing. */
  connectorChanged(connectorId: string): Promise<void>;
  /** A lifecycle event flagged one of its subscriptions: reauthorize, renew or recreate. */
  subscriptionsNeedAttention(connectorId: string): Promise<void>;
}

/** What one request persisted, for the hand-off after the 202. */
export interface IntakeOutcome {
  changedConnectorIds: string[];
  attentionConnectorIds: string[];
}

export interface NotificationIntakeDeps {
  subscriptions: GraphSubscriptionModel;
  notices: ChangeNoticeWriter;
  lookup: SubscriptionLookup;
  scheduler: NotificationScheduler;
  /** Told of every persisted change notice, for the processor's settle wait. */
  activity?: NoticeActivity;
  stats: WebhookStats;
  logger: Logger;
  /** Warnings about unknown subscriptions are summed over this window: one line each. */
  unknownWarningIntervalMs?: number;
}

/** Subscription ids quoted in an aggregated warning (enough to look one up, no more). */
const UNKNOWN_SAMPLE = 3;

/**
 * Checks notifications against the stored subscriptions and persists what they mean, with one
 * append-only notice per connector (see change-notice.model.ts), before the
 * receiver answers. A notification is never acted on unless its subscription is known and its
 * clientState (and tenant, when sent) match.
 */
export class NotificationIntake {
  private readonly log: Logger;
  /** Unknown-subscription notifications since the last warning line. */
  private unknown = {
    count: 0,
    sample: [] as string[],
    timer: undefined as NodeJS.Timeout | undefined,
  };

  constructor(private readonly deps: NotificationIntakeDeps) {
    this.log = deps.logger.child({ component: 'webhook-intake' });
  }

  /**
   * Anyone can post notifications with made-up subscription ids, and Graph is never throttled
   * here: so instead of a line per item, one line per window with the count.
   */
  private noteUnknown(subscriptionId: string): void {
    const unknown = this.unknown;
    unknown.count += 1;
    if (unknown.sample.length < UNKNOWN_SAMPLE) unknown.sample.push(subscriptionId.slice(0, 64));
    if (unknown.timer) return;
    unknown.timer = setTimeout(
      () => this.flushUnknown(),
      this.deps.unknownWarningIntervalMs ?? 60_000,
    );
    unknown.timer.unref();
  }

  /** Writes the pending warning line now (also called by the window's timer). */
  flushUnknown(): void {
    const { count, sample, timer } = this.unknown;
    clearTimeout(timer);
    this.unknown = { count: 0, sample: [], timer: undefined };
    if (count === 0) return;
    this.log.warn(
      { count, sampleSubscriptionIds: sample },
      'notifications for unknown subscriptions ignored',
    );
  }

  async accept(items: readonly GraphNotification[]): Promise<IntakeOutcome> {
    const { stats } = this.deps;
    stats.notifications += items.length;
    const known = await this.deps.lookup.find(items.map((i) => i.subscriptionId));
    const changes = new Map<string, { count: number; missed: boolean }>();
    const reauthorize: string[] = [];
    const removed: string[] = [];
    const attention = new Set<string>();

    for (const item of items) {
      const subscription = known.get(item.subscriptionId);
      if (!subscription) {
        stats.unknownSubscription += 1;
        this.noteUnknown(item.subscriptionId);
        continue;
      }
      if (!this.authentic(item, subscription)) continue;
      stats.accepted += 1;
      const { connectorId } = subscription;
      if (!isLifecycle(item)) {
        this.recordChange(changes, connectorId, false);
        continue;
      }
      switch (this.lifecycleEvent(item)) {
        case LifecycleEvent.REAUTHORIZATION_REQUIRED:
          reauthorize.push(item.subscriptionId);
          attention.add(connectorId);
          break;
        case LifecycleEvent.SUBSCRIPTION_REMOVED:
          removed.push(item.subscriptionId);
          attention.add(connectorId);
          // Changes between the removal and the new subscription would go unnoticed otherwise.
          this.recordChange(changes, connectorId, true);
          break;
        case LifecycleEvent.MISSED:
          this.recordChange(changes, connectorId, true);
          break;
        case undefined:
          break;
      }
    }

    await this.persist(changes, reauthorize, removed);
    return { changedConnectorIds: [...changes.keys()], attentionConnectorIds: [...attention] };
  }

  /** After the 202: wake the processors. Failures are logged; the sweep retries from the DB. */
  async dispatch(outcome: IntakeOutcome): Promise<void> {
    const { scheduler } = this.deps;
    const calls = [
      ...outcome.changedConnectorIds.map((id) => scheduler.connectorChanged(id)),
      ...outcome.attentionConnectorIds.map((id) => scheduler.subscriptionsNeedAttention(id)),
    ];
    const results = await Promise.allSettled(calls);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) {
      this.log.warn({ failed }, 'could not schedule processing; the sweep will pick it up');
    }
  }

  private authentic(item: GraphNotification, subscription: SubscriptionKey): boolean {
    const tenantMatches =
      item.tenantId === undefined ||
      item.tenantId.toLowerCase() === subscription.tenantId.toLowerCase();
    if (tenantMatches && clientStateMatches(item.clientState, subscription.clientStateHash)) {
      return true;
    }
    this.deps.stats.clientStateMismatch += 1;
    // The received value is deliberately not logged: it may be a guess at a secret.
    this.log.warn(
      {
        subscriptionId: item.subscriptionId,
        connectorId: subscription.connectorId,
        reason: tenantMatches ? 'clientState' : 'tenantId',
      },
      'notification failed authentication and was ignored',
    );
    return false;
  }

  private lifecycleEvent(item: LifecycleNotification): LifecycleEvent | undefined {
    const known: readonly string[] = Object.values(LifecycleEvent);
    const event = known.includes(item.lifecycleEvent)
      ? (item.lifecycleEvent as LifecycleEvent)
      : undefined;
    if (!event) {
      this.deps.stats.unknownLifecycleEvent += 1;
      this.log.info(
        { subscriptionId: item.subscriptionId, lifecycleEvent: item.lifecycleEvent.slice(0, 64) },
        'unknown lifecycle event ignored',
      );
    }
    return event;
  }

  private recordChange(
    changes: Map<string, { count: number; missed: boolean }>,
    connectorId: string,
    missed: boolean,
  ): void {
    const entry = changes.get(connectorId) ?? { count: 0, missed: false };
    entry.count += 1;
    entry.missed ||= missed;
    changes.set(connectorId, entry);
  }

  private async persist(
    changes: Map<string, { count: number; missed: boolean }>,
    reauthorize: string[],
    removed: string[],
  ): Promise<void> {
    const now = new Date();
    const { subscriptions } = this.deps;
    // One notice per connector for this request, plus the lifecycle flags: single-document or
    // multi-document writes that are each atomic on their own; no transaction needed.
    await Promise.all([
      ...[...changes].map(([connectorId, change]) => this.deps.notices.record(connectorId, change)),
      reauthorize.length > 0 &&
        subscriptions.updateMany(
          { _id: { $in: reauthorize } },
          { $set: { reauthorizationRequestedAt: now } },
        ),
      removed.length > 0 &&
        subscriptions.updateMany({ _id: { $in: removed } }, { $set: { removedAt: now } }),
    ]);
    for (const id of removed) this.deps.lookup.forget(id);
    const at = Date.now();
    for (const connectorId of changes.keys()) this.deps.activity?.touch(connectorId, at);
  }
}
