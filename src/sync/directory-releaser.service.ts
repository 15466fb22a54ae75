import type { SyncModels } from '../db/models/sync-models.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import { ManagedBy } from '../domain/directory.js';

/** On uninstall: the connector's users and groups stay, no longer "Managed by: Azure AD". */
export class DirectoryReleaserService implements DirectoryReleaser {
  constructor(private readonly models: SyncModels) {}

  async releaseConnectorUsers(connectorId: string): Promise<{ released: number }> {
    const now = new Date();
    const users = await this.models.DirectoryUser.updateMany(
      { connectorId, managedBy: ManagedBy.AZURE_AD },
      { $set: { managedBy: null, connectorId: null, updatedAt: now } },
    );
    await this.models.DirectoryGroup.updateMany(
      { connectorId },
      { $set: { managedBy: null, connectorId: null, updatedAt: now } },
    );
    await this.models.SyncState.deleteOne({ _id: connectorId });
    return { released: users.modifiedCount };
  }
}
