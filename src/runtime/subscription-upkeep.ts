import type { Logger } from 'pino';
import { SyncTrigger, type SyncRequester } from '../domain/connector.js';
import { LiveTopic } from '../events/live-events.js';
import type { NotificationScheduler } from '../webhooks/notification-intake.service.js';
import type { EventBusLiveEvents } from '../events/event-bus-live-events.js';

type UpkeepScheduler = Pick<NotificationScheduler, 'subscriptionsNeedAttention'>;

/**
 * When a connector's Graph subscriptions must be brought in line, without the connector API
 * knowing subscriptions exist. Two signals cover every case:
 *
 * - a status change published on THIS instance (activation, re-enable, disable, uninstall, a
 *   sync outcome moving it to CONNECTED/ERROR/UNAUTHORIZED): the one-off, per-connector upkeep
 *   job reconciles (creates, deletes at Graph, or forgets what an uninstall left behind);
 * - an INITIAL or MANUAL sync request (activation, re-enable, "Save changes" after the selected
 *   groups changed, "Synchronize Now"): selecting groups changes no status, re-saving does.
 *
 * The job is queued insert-only per connector and coalesced in process, and the reconcile makes
 * no Graph call when everything is in place, so a redundant signal costs a couple of reads.
 */
export function watchStatusForSubscriptionUpkeep(
  live: EventBusLiveEvents,
  scheduler: UpkeepScheduler,
  logger: Logger,
): void {
  live.onLocalPublish((topic, payload) => {
    if (topic !== LiveTopic.CONNECTOR_STATUS_CHANGED) return;
    requestUpkeep(scheduler, logger, payload.connectorId);
  });
}

export function withSubscriptionUpkeep(
  requester: SyncRequester,
  scheduler: UpkeepScheduler,
  logger: Logger,
): SyncRequester {
  return {
    async requestSync(connectorId, trigger, options) {
      const result = await requester.requestSync(connectorId, trigger, options);
      if (trigger === SyncTrigger.INITIAL || trigger === SyncTrigger.MANUAL) {
        requestUpkeep(scheduler, logger, connectorId);
      }
      return result;
    },
  };
}

function requestUpkeep(scheduler: UpkeepScheduler, logger: Logger, connectorId: string): void {
  scheduler.subscriptionsNeedAttention(connectorId).catch((error: unknown) => {
    // The daily reconcile checks every connector's subscriptions too: late, never lost.
    logger.warn({ err: error, connectorId }, 'could not queue subscription upkeep');
  });
}
