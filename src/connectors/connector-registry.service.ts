import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { CompanyModel, CompanyDoc } from '../db/models/company.model.js';
import {
  ConnectorStatus,
  type ConnectorRegistry,
  type ConnectorSyncConfig,
  type SyncOutcome,
  type SyncTarget,
} from '../domain/connector.js';
import {
  DEFAULT_SYNC_BACKOFF,
  nextSyncAttemptAt,
  syncBackoffDelayMs,
  type SyncBackoffPolicy,
} from '../domain/sync-backoff.js';
import { ErrorCode } from '../domain/errors.js';
import { parseId } from '../db/access-scope.js';
import { credentialsOf, secretPurpose } from './connector-credentials.js';
import type { ConnectorStatusPublisher } from './connector-status.js';

export interface ConnectorRegistryDeps {
  Connector: ConnectorModel;
  Company: CompanyModel;
  secretBox: SecretBox;
  status: ConnectorStatusPublisher;
  logger: Logger;
  /** How scheduled syncs back off after failed runs; default a minute doubling to an hour. */
  backoff?: SyncBackoffPolicy;
}

/** A connector the sync engine may run: activated, enabled, installed, credentials verified. */
const ACTIVE = {
  activatedAt: { $ne: null },
  enabled: true,
  uninstalledAt: null,
  verifiedAt: { $ne: null },
  syncGroupId: { $ne: null },
};

/** Every field but the selected groups (up to 250 entries), for reads that do not need them. */
const WITHOUT_GROUPS = { syncedGroups: 0 } as const;

/** ACTIVE, evaluated on a loaded document (keep the two in step). */
export function isActiveConnector(
  doc: ConnectorDoc,
): doc is ConnectorDoc & { syncGroupId: string } {
  return (
    doc.activatedAt != null &&
    doc.enabled === true &&
    doc.uninstalledAt == null &&
    doc.verifiedAt != null &&
    doc.syncGroupId != null
  );
}

/**
 * The lifecycle side of the sync contract (src/domain/connector.ts), backed by the connectors
 * collection. Status moves by single-document conditional updates; outcomes older than the last
 * recorded one are ignored, so a slow run finishing late cannot overwrite a newer result.
 */
export class ConnectorRegistryService implements ConnectorRegistry {
  private readonly backoff: SyncBackoffPolicy;

  constructor(private readonly deps: ConnectorRegistryDeps) {
    this.backoff = deps.backoff ?? DEFAULT_SYNC_BACKOFF;
  }

  async loadSyncConfig(connectorId: string): Promise<ConnectorSyncConfig | null> {
    const doc = await this.activeConnector(connectorId);
    if (!doc) return null;
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
      settled: doc.status === ConnectorStatus.CONNECTED && (doc.consecutiveFailures ?? 0) === 0,
    };
  }

  async syncTarget(connectorId: string): Promise<SyncTarget | null> {
    const doc = await this.activeConnector(connectorId, WITHOUT_GROUPS);
    return doc ? { companyId: doc.companyId.toHexString(), partnerId: doc.partnerId } : null;
  }

  /**
   * The connector when it may sync. By _id alone, ACTIVE checked here: the offline database
   * (FerretDB) decodes the whole collection for most other filters, and this runs for every
   * connector every poll.
   */
  private async activeConnector(
    connectorId: string,
    projection?: typeof WITHOUT_GROUPS,
  ): Promise<(ConnectorDoc & { syncGroupId: string }) | null> {
    if (!/^[0-9a-f]{24}$/i.test(connectorId)) return null;
    const doc = await this.deps.Connector.findById(
      parseId(connectorId, 'Connector'),
      projection,
    ).lean<ConnectorDoc>();
    return doc && isActiveConnector(doc) ? doc : null;
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

  async listActiveConnectorIds(options: { dueBy?: Date } = {}): Promise<string[]> {
    // Backing-off connectors are filtered by the query itself: a poll tick over thousands of
    // connectors reads ids only, never each connector's state.
    const filter = options.dueBy
      ? { ...ACTIVE, $or: [{ nextPollAt: null }, { nextPollAt: { $lte: options.dueBy } }] }
      : ACTIVE;
    const docs = await this.deps.Connector.find(filter, { _id: 1 }).lean<
      Pick<ConnectorDoc, '_id'>[]
    >();
    return docs.map((doc) => doc._id.toHexString());
  }

  async syncDeferredUntil(connectorId: string): Promise<Date | null> {
    let id;
    try {
      id = parseId(connectorId, 'Connector');
    } catch {
      return null;
    }
    const doc = await this.deps.Connector.findById(id, {
      nextPollAt: 1,
      consecutiveFailures: 1,
    }).lean<Pick<ConnectorDoc, 'nextPollAt' | 'consecutiveFailures'>>();
    const until = doc?.nextPollAt ?? null;
    // One failure may be transient (a database hiccup): a change notified right after it still
    // syncs at once. From the second failure in a row on, the connector is backing off.
    if ((doc?.consecutiveFailures ?? 0) < 2) return null;
    return until && until.getTime() > Date.now() ? until : null;
  }

  async recordSyncOutcome(
    connectorId: string,
    outcome: SyncOutcome,
    options: { backoff?: boolean } = {},
  ): Promise<void> {
    let id;
    try {
      id = parseId(connectorId, 'Connector');
    } catch {
      return;
    }
    // An unexpected failure (a database hiccup, a bug) is retried at the normal cadence: the
    // backoff is for what the admin must fix (credentials, consent, a deleted group).
    const backsOff =
      !outcome.ok && outcome.code !== ErrorCode.INTERNAL_SERVER_ERROR && options.backoff !== false;
    const update = outcome.ok
      ? {
          $set: {
            status: ConnectorStatus.CONNECTED,
            statusReason: null,
            statusReasonCode: null,
            lastSuccessfulSyncAt: outcome.at,
            lastError: null,
            lastOutcomeAt: outcome.at,
            consecutiveFailures: 0,
            nextPollAt: null,
          },
        }
      : {
          $set: {
            status: outcome.status,
            statusReason: outcome.message,
            statusReasonCode: outcome.reasonCode,
            lastError: { code: outcome.code, message: outcome.message, at: outcome.at },
            lastOutcomeAt: outcome.at,
            // At least the first step at once; the exact one below, once the count is known.
            ...(backsOff
              ? { nextPollAt: new Date(outcome.at.getTime() + syncBackoffDelayMs(1, this.backoff)) }
              : {}),
          },
          ...(backsOff ? { $inc: { consecutiveFailures: 1 } } : {}),
        };
    const before = await this.deps.Connector.findOneAndUpdate(
      {
        _id: id,
        activatedAt: { $ne: null },
        enabled: true,
        uninstalledAt: null,
        $or: [{ lastOutcomeAt: null }, { lastOutcomeAt: { $lte: outcome.at } }],
      },
      update,
      // (no projection: the offline database's findAndModify has none)
      { returnDocument: 'before' },
    ).lean<ConnectorDoc>();
    if (!before) {
      this.deps.logger.debug(
        { connectorId },
        'sync outcome ignored (inactive connector or stale outcome)',
      );
      return;
    }
    if (backsOff) await this.scheduleRetry(id, (before.consecutiveFailures ?? 0) + 1, outcome.at);
    const { status, statusReason, statusReasonCode } = update.$set;
    const same =
      before.status === status &&
      before.statusReason === statusReason &&
      (before.statusReasonCode ?? null) === statusReasonCode;
    // Most outcomes repeat the last one (a healthy connector stays CONNECTED): nothing to tell.
    if (same) return;
    const after = await this.deps.Connector.findById(id, WITHOUT_GROUPS).lean<ConnectorDoc>();
    if (after) await this.deps.status.changed(before, after, outcome.at);
  }

  /**
   * Sets the retry time for the failure count this outcome produced. Conditional on the count:
   * when another instance recorded a failure meanwhile, its (later) retry time is the one kept.
   */
  private async scheduleRetry(id: ConnectorDoc['_id'], failures: number, at: Date): Promise<void> {
    const nextPollAt = nextSyncAttemptAt(at, failures, this.backoff);
    await this.deps.Connector.updateOne(
      { _id: id, consecutiveFailures: failures },
      { $set: { nextPollAt } },
    );
    this.deps.logger.info(
      { connectorId: id.toHexString(), consecutiveFailures: failures, nextPollAt },
      'sync failed: scheduled syncs back off',
    );
  }
}
