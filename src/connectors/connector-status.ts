import type { Logger } from 'pino';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import { shownStatus, type SubscriptionUpkeep } from '../domain/connector.js';
import { LiveTopic, type LiveEvents } from '../events/live-events.js';
import { statusReasonCodeOfDoc } from './connector.view.js';

/**
 * Publishes CONNECTOR_STATUS_CHANGED when a write moved a connector's status or reason. Callers
 * pass the document before and after one conditional update, so the event matches what was
 * stored. Publishing failures are logged, never thrown: the write already happened.
 *
 * A status change is also when a connector's Graph subscriptions may have to follow (activated,
 * re-enabled, disabled, uninstalled, unauthorized, connected again): upkeep is asked for here,
 * once, on the instance that made the change.
 */
export class ConnectorStatusPublisher {
  constructor(
    private readonly live: LiveEvents,
    private readonly upkeep: SubscriptionUpkeep,
    private readonly logger: Logger,
  ) {}

  async changed(before: ConnectorDoc | null, after: ConnectorDoc, at = new Date()): Promise<void> {
    if (
      before &&
      before.status === after.status &&
      before.statusReason === after.statusReason &&
      before.statusReasonCode === after.statusReasonCode
    ) {
      return;
    }
    const connectorId = after._id.toHexString();
    this.upkeep.subscriptionsNeedAttention(connectorId).catch((error: unknown) => {
      this.logger.warn({ err: error, connectorId }, 'could not queue subscription upkeep');
    });
    try {
      await this.live.publish(LiveTopic.CONNECTOR_STATUS_CHANGED, {
        connectorId: after._id.toHexString(),
        companyId: after.companyId.toHexString(),
        partnerId: after.partnerId,
        status: shownStatus(after.status),
        previousStatus: before ? shownStatus(before.status) : null,
        statusReason: after.statusReason,
        statusReasonCode: statusReasonCodeOfDoc(after),
        changedAt: at,
      });
    } catch (error) {
      this.logger.warn(
        { err: error, connectorId: after._id.toHexString() },
        'could not publish a connector status change',
      );
    }
  }
}
