import type { SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import type { EntraCredentials } from '../integrations/entra/token-provider.js';

/**
 * Every field of a connector that holds a SealedSecret, with the purpose bound to it. Key
 * rotation (src/connectors/secret-reseal.ts) re-seals exactly these: a new sealed field is added
 * here or it would keep its old key forever.
 */
export const SEALED_CONNECTOR_FIELDS = [
  { field: 'clientSecret', purpose: (connectorId: string) => secretPurpose(connectorId) },
] as const satisfies readonly { field: keyof ConnectorDoc; purpose: (id: string) => string }[];

/** AAD purpose bound to a sealed client secret: it cannot be moved to another connector. */
export function secretPurpose(connectorId: string): string {
  return `connector:${connectorId}:clientSecret`;
}

/** The stored credentials, decrypted; CONFLICT when the admin has not entered them yet. */
export function credentialsOf(doc: ConnectorDoc, box: SecretBox): EntraCredentials {
  if (!doc.tenantId || !doc.clientId || !doc.clientSecret) {
    throw new AppError(
      ErrorCode.CONFLICT,
      'Enter the tenant ID, client ID and client secret of the app registration first',
    );
  }
  return {
    tenantId: doc.tenantId,
    clientId: doc.clientId,
    clientSecret: box.open(doc.clientSecret, secretPurpose(doc._id.toHexString())),
    // Past it, the token provider asks Entra again instead of using a cached token.
    clientSecretExpiresAt: doc.clientSecretExpiresAt ?? null,
  };
}
