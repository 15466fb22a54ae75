import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { changeNoticeModel } from '../db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../db/models/graph-subscription.model.js';
import { ChangeNoticeWriter } from './change-notices.js';
import { NotificationIntake, type NotificationScheduler } from './notification-intake.service.js';
import type { NoticeActivity } from './notice-activity.js';
import { SubscriptionLookup } from './subscription-lookup.js';
import { createWebhookRouter, type WebhookRouter } from './webhook.router.js';
import { newWebhookStats, type WebhookStats } from './webhook-stats.js';

export interface GraphWebhookReceiverDeps {
  connection: Connection;
  scheduler: NotificationScheduler;
  /** Shared with the notification processor of the same instance. */
  activity?: NoticeActivity;
  logger: Logger;
  maxBodyBytes: number;
  persistTimeoutMs?: number;
}

/** Wires the receiver from a mongoose connection: what src/main.ts mounts on the HTTP server. */
export function createGraphWebhookReceiver(deps: GraphWebhookReceiverDeps): {
  router: WebhookRouter;
  stats: WebhookStats;
  intake: NotificationIntake;
} {
  const stats = newWebhookStats();
  const subscriptions = graphSubscriptionModel(deps.connection);
  const intake = new NotificationIntake({
    subscriptions,
    notices: new ChangeNoticeWriter(changeNoticeModel(deps.connection)),
    lookup: new SubscriptionLookup(subscriptions),
    scheduler: deps.scheduler,
    ...(deps.activity ? { activity: deps.activity } : {}),
    stats,
    logger: deps.logger,
  });
  const router = createWebhookRouter({
    intake,
    stats,
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.persistTimeoutMs === undefined ? {} : { persistTimeoutMs: deps.persistTimeoutMs }),
  });
  return { router, stats, intake };
}
