import type { Logger } from 'pino';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import {
  type SyncTrigger,
  type SubscriptionUpkeep,
  type SyncMode,
  type SyncRequester,
} from '../domain/connector.js';

/**
 * Sync requests from the connector lifecycle (activation, re-enable, Synchronize Now, new
 * credentials). The connector was just read and checked, so the request carries its target and
 * the engine reads nothing again. An admin's request is also when the Graph subscriptions may
 * have to follow (other groups selected, re-enabled): upkeep is asked for explicitly.
 */
export class ConnectorSyncRequests {
  constructor(
    private readonly requester: SyncRequester,
    private readonly upkeep: SubscriptionUpkeep,
    private readonly logger: Logger,
  ) {}

  async request(
    doc: ConnectorDoc,
    trigger: SyncTrigger.INITIAL | SyncTrigger.MANUAL,
    mode?: SyncMode,
  ): Promise<{ runId: string }> {
    const connectorId = doc._id.toHexString();
    const result = await this.requester.requestSync(connectorId, trigger, {
      mode,
      target: { companyId: doc.companyId.toHexString(), partnerId: doc.partnerId },
    });
    this.upkeep.subscriptionsNeedAttention(connectorId).catch((error: unknown) => {
      // The daily reconcile checks every connector's subscriptions too: late, never lost.
      this.logger.warn({ err: error, connectorId }, 'could not queue subscription upkeep');
    });
    return result;
  }
}
