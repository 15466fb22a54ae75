import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import type { Caller } from '../domain/caller.js';
import { ConnectorStatus, ConnectorStatusReasonCode, type GroupRef } from '../domain/connector.js';
import { AppError, ErrorCode, badInput } from '../domain/errors.js';
import { forEachLimit } from '../domain/concurrency.js';
import type { ConnectionVerifier } from '../integrations/entra/connection-verifier.js';
import type {
  EntraGroup,
  GroupDirectory,
  GroupPage,
} from '../integrations/entra/group-directory.js';
import { requirePortal } from '../db/access-scope.js';
import type { ConsentStateStore } from './consent-state.store.js';
import { credentialsOf, secretPurpose } from './connector-credentials.js';
import type { ConnectorStatusPublisher } from './connector-status.js';
import type { ConnectorStore } from './connector-store.js';
import type { ConnectorView } from './connector.view.js';
import { clientSecret, futureDate, guid, intInRange } from './input-rules.js';
import { normalizeRulesPatch, type SyncRulesPatch } from './sync-rules-patch.js';
import type { ConnectorSyncRequests } from './sync-requests.js';
import {
  ConnectionCheckService,
  NO_BACKOFF,
  type VerifyOutcome,
} from './connection-check.service.js';

/** The seed guide has admins create secrets for 730 days; assume that when no date is given. */
const DEFAULT_SECRET_LIFETIME_MONTHS = 24;
/** Selected groups per connector; past 50 the delta reader reads the tenant's group delta. */
export const MAX_SYNCED_GROUPS = 250;
/** Group lookups in flight while a selection is validated (Graph throttles per tenant). */
const GROUP_CHECKS_IN_FLIGHT = 4;
export const MAX_GROUP_PAGE = 100;

export interface SetCredentialsInput {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  clientSecretExpiresAt?: Date | null;
}

export type { VerifyOutcome } from './connection-check.service.js';

export interface ConnectorSetupDeps {
  store: ConnectorStore;
  secretBox: SecretBox;
  verifier: ConnectionVerifier;
  groups: GroupDirectory;
  consentStates: ConsentStateStore;
  status: ConnectorStatusPublisher;
  syncRequests: ConnectorSyncRequests;
  logger: Logger;
  authorityHost: string;
  /** Where Entra sends the admin back after consent; without it no consent URL is offered. */
  publicBaseUrl: string | undefined;
  view: (doc: ConnectorDoc) => ConnectorView;
  now?: () => Date;
}

/**
 * The "Azure Auth" and "Users & Groups" and "Sync Rules" tabs: credentials, Verify Connection
 * (with admin consent), the sync group, extra groups and the rules.
 */
export class ConnectorSetupService {
  private readonly now: () => Date;
  private readonly check: ConnectionCheckService;

  constructor(private readonly deps: ConnectorSetupDeps) {
    this.now = deps.now ?? (() => new Date());
    this.check = new ConnectionCheckService({ ...deps, now: this.now });
  }

  /**
   * Stores new credentials (secret sealed) and resets verification. On a saved connector of the
   * same tenant (a renewed secret, typically after the old one expired) the new credentials are
   * verified at once, so syncing resumes without another click; when they do not work the
   * status says why and Verify Connection offers the fix (consent).
   */
  async setCredentials(
    caller: Caller,
    id: string,
    input: SetCredentialsInput,
  ): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const tenantId = guid('tenantId', input.tenantId);
    const clientId = guid('clientId', input.clientId);
    const secret = clientSecret('clientSecret', input.clientSecret);
    const now = this.now();
    const expiresAt =
      input.clientSecretExpiresAt == null
        ? addMonths(now, DEFAULT_SECRET_LIFETIME_MONTHS)
        : futureDate('clientSecretExpiresAt', input.clientSecretExpiresAt, now);
    const current = await this.deps.store.require(portal, id);
    const tenantChanged = current.tenantId !== null && current.tenantId !== tenantId;
    const activeStatus =
      current.activatedAt && current.enabled ? { status: ConnectorStatus.UNAUTHORIZED } : {};
    const { before, after } = await this.deps.store.update(portal, id, {
      $set: {
        tenantId,
        clientId,
        clientSecret: this.deps.secretBox.seal(secret, secretPurpose(id)),
        clientSecretHint: secret.slice(-4),
        clientSecretExpiresAt: expiresAt,
        verifiedAt: null,
        lastError: null,
        ...activeStatus,
        ...(current.activatedAt && current.enabled
          ? {
              statusReason: 'The credentials changed: click Verify Connection to resume syncing.',
              statusReasonCode: ConnectorStatusReasonCode.CREDENTIALS_CHANGED,
            }
          : {}),
        // Groups belong to a tenant: another tenant's ids mean nothing.
        ...(tenantChanged ? { syncGroupId: null, syncGroupName: null, syncedGroups: [] } : {}),
        // Failures of the old credentials say nothing about the new ones.
        ...NO_BACKOFF,
      },
    });
    await this.deps.status.changed(before, after, now);
    if (!current.activatedAt || !current.enabled || tenantChanged) return this.deps.view(after);
    try {
      return (await this.check.run(after)).connector;
    } catch (error) {
      // The credentials are stored; Verify Connection (or the backoff's retry) can follow.
      this.deps.logger.warn({ err: error, connectorId: id }, 'verifying new credentials failed');
      return this.deps.view(after);
    }
  }

  async verifyConnection(caller: Caller, id: string): Promise<VerifyOutcome> {
    const doc = await this.deps.store.require(requirePortal(caller), id);
    return this.check.run(doc);
  }

  /** Verification on behalf of the system (the admin-consent callback, already state-checked). */
  async verifyAfterConsent(doc: ConnectorDoc): Promise<VerifyOutcome> {
    return this.check.run(doc);
  }

  async listGroups(
    caller: Caller,
    id: string,
    input: { search?: string | null; first?: number | null; after?: string | null },
  ): Promise<GroupPage> {
    const doc = await this.deps.store.require(requirePortal(caller), id);
    const first = intInRange('first', input.first ?? 25, 1, MAX_GROUP_PAGE);
    if (input.search && input.search.length > 256)
      throw badInput('search', 'must be at most 256 characters');
    if (input.after && input.after.length > 4_096)
      throw badInput('after', 'not a cursor from a previous page');
    return this.check.noteRefusal(doc, () =>
      this.deps.groups.listSecurityGroups(credentialsOf(doc, this.deps.secretBox), {
        first,
        search: input.search ?? null,
        after: input.after ?? null,
      }),
    );
  }

  /** Exactly one sync group: it must exist in the tenant and be a security group. */
  async selectSyncGroup(caller: Caller, id: string, groupId: string): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const normalized = guid('groupId', groupId);
    const doc = await this.deps.store.require(portal, id);
    const group = await this.requireSecurityGroup(doc, normalized, 'groupId');
    const { after } = await this.deps.store.update(
      portal,
      id,
      { $set: { syncGroupId: group.id, syncGroupName: group.displayName } },
      { precondition: { tenantId: doc.tenantId } },
    );
    return this.deps.view(after);
  }

  /** Optional extra groups to mirror; replaces the list. */
  async setSyncedGroups(
    caller: Caller,
    id: string,
    groupIds: readonly string[],
  ): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    if (groupIds.length > MAX_SYNCED_GROUPS) {
      throw badInput('groupIds', `must list at most ${MAX_SYNCED_GROUPS} groups`);
    }
    const ids = [...new Set(groupIds.map((g) => guid('groupIds', g)))];
    const doc = await this.deps.store.require(portal, id);
    const refs = new Array<GroupRef>(ids.length);
    const indexOf = new Map(ids.map((groupId, i) => [groupId, i]));
    await forEachLimit(ids, GROUP_CHECKS_IN_FLIGHT, async (groupId) => {
      const group = await this.requireSecurityGroup(doc, groupId, 'groupIds');
      refs[indexOf.get(groupId)!] = { id: group.id, name: group.displayName };
    });
    const { after } = await this.deps.store.update(
      portal,
      id,
      { $set: { syncedGroups: refs } },
      { precondition: { tenantId: doc.tenantId } },
    );
    return this.deps.view(after);
  }

  /** Merges the given rules over the current ones. */
  async updateSyncRules(caller: Caller, id: string, patch: SyncRulesPatch): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const set = Object.fromEntries(
      Object.entries(normalizeRulesPatch(patch)).map(([key, value]) => [`syncRules.${key}`, value]),
    );
    if (Object.keys(set).length === 0)
      return this.deps.view(await this.deps.store.require(portal, id));
    const { after } = await this.deps.store.update(portal, id, { $set: set });
    return this.deps.view(after);
  }

  private async requireSecurityGroup(
    doc: ConnectorDoc,
    groupId: string,
    field: string,
  ): Promise<EntraGroup> {
    const group = await this.check.noteRefusal(doc, () =>
      this.deps.groups.getGroup(credentialsOf(doc, this.deps.secretBox), groupId),
    );
    if (!group)
      throw new AppError(
        ErrorCode.NOT_FOUND,
        `${field}: group ${groupId} not found in the tenant`,
        { details: { field } },
      );
    if (!group.securityEnabled) throw badInput(field, `group ${groupId} is not a security group`);
    return group;
  }
}

function addMonths(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  result.setUTCMonth(result.getUTCMonth() + months);
  return result;
}
