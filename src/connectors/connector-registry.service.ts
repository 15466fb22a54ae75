import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { CompanyModel, CompanyDoc } from '../db/models/company.model.js';
import {
  ConnectorStatus,
  type ConnectorRegistry,
  type ConnectorSyncConfig,
  type SyncOutcome,
} from '../domain/connector.js';
import { parseId } from './access-scope.js';
import { credentialsOf, secretPurpose } from './connector-credentials.js';
import type { ConnectorStatusPublisher } from './connector-status.js';

export interface ConnectorRegistryDeps {
  Connector: ConnectorModel;
  Company: CompanyModel;
  secretBox: SecretBox;
  status: ConnectorStatusPublisher;
  logger: Logger;
}

/** A connector the sync engine may run: activated, enabled, installed, credentials verified. */
const ACTIVE = {
  activatedAt: { $ne: null },
  enabled: true,
  uninstalledAt: null,
  verifiedAt: { $ne: null },
  syncGroupId: { $ne: null },
};

/**
 * The lifecycle side of the sync contract (src/domain/connector.ts), backed by the connectors
 * collection. Status moves by single-document conditional updates; outcomes older than the last
 * recorded one are ignored, so a slow run finishing late cannot overwrite a newer result.
 */
export class ConnectorRegistryService implements ConnectorRegistry {
  constructor(private readonly deps: ConnectorRegistryDeps) {}

  async loadSyncConfig(connectorId: string): Promise<ConnectorSyncConfig | null> {
    let id;
    try {
      id = parseId(connectorId, 'Connector');
    } catch {
      return null;
    }
    const doc = await this.deps.Connector.findOne({ _id: id, ...ACTIVE }).lean<ConnectorDoc>();
    if (!doc?.syncGroupId) return null;
    const company = await this.deps.Company.findById(doc.companyId).lean<CompanyDoc>();
    if (!company) return null;
    const credentials = credentialsOf(doc, this.deps.secretBox);
    await this.resealIfNeeded(doc, credentials.clientSecret);
    return {
      connectorId,
      companyId: doc.companyId.toHexString(),
      partnerId: doc.partnerId,
      ...credentials,
      syncGroupId: doc.syncGroupId,
      syncedGroupIds: doc.syncedGroups.map((g) => g.id),
      rules: { ...doc.syncRules },
      seatLimit: company.seatLimit,
    };
  }

  /**
   * Key rotation: a secret sealed with an older key is sealed again with the active one the next
   * time the sync engine loads it (every poll), so old keys can be retired after a while. The
   * update is conditional on the ciphertext, so a concurrent credentials change wins.
   */
  private async resealIfNeeded(doc: ConnectorDoc, plaintext: string): Promise<void> {
    const sealed = doc.clientSecret;
    if (!sealed || !this.deps.secretBox.needsReseal(sealed)) return;
    const id = doc._id.toHexString();
    await this.deps.Connector.updateOne(
      { _id: doc._id, 'clientSecret.ciphertext': sealed.ciphertext },
      { $set: { clientSecret: this.deps.secretBox.seal(plaintext, secretPurpose(id)) } },
    );
    this.deps.logger.info({ connectorId: id, fromKid: sealed.kid }, 'client secret re-sealed');
  }

  async listActiveConnectorIds(): Promise<string[]> {
    const docs = await this.deps.Connector.find(ACTIVE, { _id: 1 }).lean<
      Pick<ConnectorDoc, '_id'>[]
    >();
    return docs.map((doc) => doc._id.toHexString());
  }

  async recordSyncOutcome(connectorId: string, outcome: SyncOutcome): Promise<void> {
    let id;
    try {
      id = parseId(connectorId, 'Connector');
    } catch {
      return;
    }
    const update = outcome.ok
      ? {
          status: ConnectorStatus.CONNECTED,
          statusReason: null,
          lastSuccessfulSyncAt: outcome.at,
          lastError: null,
          lastOutcomeAt: outcome.at,
        }
      : {
          status: outcome.status,
          statusReason: outcome.message,
          lastError: { code: outcome.code, message: outcome.message, at: outcome.at },
          lastOutcomeAt: outcome.at,
        };
    const before = await this.deps.Connector.findOneAndUpdate(
      {
        _id: id,
        activatedAt: { $ne: null },
        enabled: true,
        uninstalledAt: null,
        $or: [{ lastOutcomeAt: null }, { lastOutcomeAt: { $lte: outcome.at } }],
      },
      { $set: update },
      { returnDocument: 'before' },
    ).lean<ConnectorDoc>();
    if (!before) {
      this.deps.logger.debug(
        { connectorId },
        'sync outcome ignored (inactive connector or stale outcome)',
      );
      return;
    }
    const after = await this.deps.Connector.findById(id).lean<ConnectorDoc>();
    if (after) await this.deps.status.changed(before, after, outcome.at);
  }
}
