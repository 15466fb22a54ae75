import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { SecretExpirySource } from '../jobs/secret-expiry-warnings.job.js';

/** Installed, enabled connectors whose client secret expires before the cutoff. */
export class ConnectorSecretExpirySource implements SecretExpirySource {
  constructor(private readonly Connector: ConnectorModel) {}

  async listClientSecretsExpiringBefore(
    cutoff: Date,
  ): Promise<{ connectorId: string; expiresAt: Date }[]> {
    const docs = await this.Connector.find(
      {
        uninstalledAt: null,
        enabled: true,
        clientSecret: { $ne: null },
        clientSecretExpiresAt: { $ne: null, $lt: cutoff },
      },
      { _id: 1, clientSecretExpiresAt: 1 },
    ).lean<Pick<ConnectorDoc, '_id' | 'clientSecretExpiresAt'>[]>();
    return docs.map((doc) => ({
      connectorId: doc._id.toHexString(),
      expiresAt: doc.clientSecretExpiresAt!,
    }));
  }
}
