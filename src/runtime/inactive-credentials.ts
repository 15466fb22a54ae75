import type { SecretBox } from '../crypto/secret-box.js';
import { credentialsOf } from '../connectors/connector-credentials.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { SubscriptionCredentials } from '../webhooks/graph-subscription.service.js';

/**
 * Credentials of a connector the registry no longer hands out (disabled), so its subscriptions
 * are deleted at Graph rather than left to expire. Null when it has none (uninstalled).
 */
export function inactiveCredentialsLoader(
  Connector: ConnectorModel,
  secretBox: SecretBox,
): (connectorId: string) => Promise<SubscriptionCredentials | null> {
  return async (connectorId) => {
    if (!/^[0-9a-f]{24}$/i.test(connectorId)) return null;
    const doc = await Connector.findById(connectorId).lean<ConnectorDoc>();
    if (!doc?.tenantId || !doc.clientId || !doc.clientSecret) return null;
    try {
      return credentialsOf(doc, secretBox);
    } catch {
      return null;
    }
  };
}
