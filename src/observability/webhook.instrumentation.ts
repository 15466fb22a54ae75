import type { PlainHandler } from '../server/http-app.js';
import { pathOf } from '../server/http-app.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import type { HubMetrics } from './hub-metrics.js';

/**
 * Wraps the Graph webhook receiver's router: times each request it handles, from arrival to the
 * end of the answer (Graph wants the ack within 3 s), and counts answers by status. The receiver
 * itself is untouched.
 */
export function instrumentWebhookRouter(metrics: HubMetrics, router: PlainHandler): PlainHandler {
  return async (req, res) => {
    const started = performance.now();
    const endpoint = pathOf(req).endsWith('/lifecycle') ? 'lifecycle' : 'notifications';
    const handled = await router(req, res);
    if (handled) {
      const record = () => {
        metrics.webhookRequests.inc({ endpoint, status: String(res.statusCode) });
        metrics.webhookAckDuration.observe({ endpoint }, (performance.now() - started) / 1000);
      };
      if (res.writableFinished) record();
      else res.once('finish', record);
    }
    return handled;
  };
}

/** Copies the receiver's `stats` counters into the registry at scrape time. */
export function collectWebhookStats(metrics: HubMetrics, stats: WebhookStats): void {
  for (const [outcome, value] of Object.entries(stats) as [string, number][]) {
    metrics.webhookNotifications.set({ outcome }, value);
  }
}
