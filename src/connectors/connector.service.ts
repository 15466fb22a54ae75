import type { Logger } from 'pino';
import { generateOpaqueToken, hashToken } from '../crypto/opaque-token.js';
import { installKeyFor, type ConnectorDoc } from '../db/models/connector.model.js';
import type { Models } from '../db/models/index.js';
import { CallerRole, type Caller } from '../domain/caller.js';
import { ConnectorStatus, SyncMode, SyncTrigger, ConnectorKind } from '../domain/connector.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import { requirePortal } from '../db/access-scope.js';
import type { CompanyService } from './company.service.js';
import type { ConnectorStatusPublisher } from './connector-status.js';
import type { ConnectorStore } from './connector-store.js';
import { isActiveConnector } from './connector-registry.service.js';
import { toConnectorView, type ConnectorView } from './connector.view.js';
import type { ConnectorSyncRequests } from './sync-requests.js';
import type { ConnectorTokens } from './connector-tokens.js';
import { displayName } from './input-rules.js';
import { listConnectors, type ConnectorPage, type ListConnectorsFilter } from './connector-list.js';
import {
  LiveTopic,
  RevocationReason,
  type ConnectorStatusChangedEvent,
  type LiveEvents,
} from '../events/live-events.js';

export { CONNECTOR_TOKEN_PREFIX } from './connector-tokens.js';

export interface ConnectorWithToken {
  connector: ConnectorView;
  /** Shown once; only its SHA-256 is stored. */
  authenticationToken: string;
}

export { MAX_CONNECTOR_PAGE, type ListConnectorsFilter } from './connector-list.js';

/** A page of connectors as callers see them, with a cursor per connector. */
export type ConnectorViewPage = Omit<ConnectorPage, 'nodes'> & { nodes: ConnectorView[] };

export interface ConnectorServiceDeps {
  models: Pick<Models, 'Connector'>;
  store: ConnectorStore;
  companies: CompanyService;
  status: ConnectorStatusPublisher;
  syncRequests: ConnectorSyncRequests;
  directoryReleaser: DirectoryReleaser;
  live: LiveEvents;
  tokens: ConnectorTokens;
  logger: Logger;
  webhooksEnabled: boolean;
  now?: () => Date;
}

/**
 * The connector's lifecycle outside of Entra: install, its authentication token, listing,
 * activation ("Save changes"), enable/disable, manual sync and uninstall. Every method takes the
 * caller and works inside its scope (ids outside it are NOT_FOUND).
 */
export class ConnectorService {
  private readonly now: () => Date;

  constructor(private readonly deps: ConnectorServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  view(doc: ConnectorDoc): ConnectorView {
    return toConnectorView(doc, { now: this.now(), webhooksEnabled: this.deps.webhooksEnabled });
  }

  async install(
    caller: Caller,
    input: { companyId: string; name: string },
  ): Promise<ConnectorWithToken> {
    const company = await this.deps.companies.requireCompany(
      requirePortal(caller),
      input.companyId,
    );
    const name = displayName('name', input.name);
    const token = this.deps.tokens.issue();
    try {
      const created = await this.deps.models.Connector.create({
        companyId: company._id,
        partnerId: company.partnerId,
        kind: ConnectorKind.AZURE_AD,
        installKey: installKeyFor(company._id, ConnectorKind.AZURE_AD),
        name,
        authTokenHash: hashToken(token),
      });
      this.deps.logger.info(
        { connectorId: created._id.toHexString(), companyId: input.companyId },
        'connector installed',
      );
      return { connector: this.view(created.toObject()), authenticationToken: token };
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'An Azure AD connector is already installed for this company',
        );
      }
      throw error;
    }
  }

  /** Replaces the authentication token; the old one stops working at once. */
  async rotateToken(caller: Caller, id: string): Promise<ConnectorWithToken> {
    const token = this.deps.tokens.issue();
    const { after } = await this.deps.store.update(requirePortal(caller), id, {
      $set: { authTokenHash: hashToken(token) },
    });
    await this.deps.tokens.revoke(after, RevocationReason.TOKEN_ROTATED);
    return { connector: this.view(after), authenticationToken: token };
  }

  async get(caller: Caller, id: string): Promise<ConnectorView> {
    return this.view(await this.deps.store.require(caller, id));
  }

  async list(caller: Caller, filter: ListConnectorsFilter = {}): Promise<ConnectorViewPage> {
    const page = await listConnectors(this.deps.models.Connector, caller, filter, this.now());
    return { ...page, nodes: page.nodes.map((doc) => this.view(doc)) };
  }

  /** "Save changes": needs verified credentials and a sync group; starts the first sync. */
  async activate(caller: Caller, id: string): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const current = await this.deps.store.require(portal, id);
    if (!current.verifiedAt) {
      throw new AppError(ErrorCode.CONFLICT, 'Verify the connection before saving the connector');
    }
    if (!current.syncGroupId) {
      throw new AppError(ErrorCode.CONFLICT, 'Select the group to synchronize before saving');
    }
    const at = this.now();
    // Saving again after a fix (another sync group, new rules) starts a sync at once; a
    // connector that is CONNECTED stays so while it runs, any other status waits for it.
    const keepStatus =
      current.activatedAt !== null &&
      current.enabled &&
      current.status === ConnectorStatus.CONNECTED;
    const { before, after } = await this.deps.store.update(
      portal,
      id,
      {
        $set: {
          activatedAt: current.activatedAt ?? at,
          enabled: true,
          ...(keepStatus
            ? {}
            : {
                status: ConnectorStatus.WAITING_FOR_CONNECTION,
                statusReason: null,
                statusReasonCode: null,
              }),
        },
      },
      {
        precondition: { verifiedAt: { $ne: null }, syncGroupId: { $ne: null } },
        conflictMessage:
          'The credentials or the sync group changed meanwhile; reload and try again',
      },
    );
    await this.deps.status.changed(before, after, at);
    // A re-save may have changed the sync group or the rules: read everything again.
    if (current.activatedAt) {
      await this.deps.syncRequests.request(after, SyncTrigger.MANUAL, SyncMode.FULL);
    } else {
      await this.deps.syncRequests.request(after, SyncTrigger.INITIAL);
    }
    return this.view(after);
  }

  /** "Synchronize Now"; allowed to portal admins and to the connector's own token. */
  async synchronizeNow(caller: Caller, id: string): Promise<{ runId: string }> {
    const current = await this.deps.store.require(caller, id);
    if (!current.activatedAt || !current.enabled) {
      throw new AppError(
        ErrorCode.CONFLICT,
        current.activatedAt
          ? 'The connector is disabled'
          : 'Save the connector before synchronizing',
      );
    }
    if (!isActiveConnector(current)) {
      throw new AppError(
        ErrorCode.CONFLICT,
        'The connector is not active: activate it (and enable it) before syncing',
      );
    }
    return this.deps.syncRequests.request(current, SyncTrigger.MANUAL);
  }

  async setEnabled(caller: Caller, id: string, enabled: boolean): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const current = await this.deps.store.require(portal, id);
    if (current.enabled === enabled) return this.view(current);
    const status = enabled
      ? current.activatedAt
        ? ConnectorStatus.WAITING_FOR_CONNECTION
        : null
      : ConnectorStatus.DISABLED;
    const at = this.now();
    const { before, after } = await this.deps.store.update(
      portal,
      id,
      { $set: { enabled, status, statusReason: null, statusReasonCode: null } },
      { precondition: { enabled: !enabled } },
    );
    await this.deps.status.changed(before, after, at);
    if (!enabled) await this.deps.tokens.revoke(after, RevocationReason.CONNECTOR_DISABLED);
    if (enabled && after.activatedAt) {
      await this.deps.syncRequests.request(after, SyncTrigger.MANUAL);
    }
    return this.view(after);
  }

  /**
   * Stops syncing for good. The secret and token are dropped, the install slot is freed (a new
   * connector can be installed) and the directory users are released, not deleted.
   */
  async uninstall(caller: Caller, id: string): Promise<ConnectorView> {
    const portal = requirePortal(caller);
    const at = this.now();
    const { before, after } = await this.deps.store.update(portal, id, {
      $set: {
        uninstalledAt: at,
        enabled: false,
        status: ConnectorStatus.UNINSTALLED,
        statusReason: null,
        statusReasonCode: null,
        clientSecret: null,
        // An unguessable value keeps the unique index while no token can match it.
        authTokenHash: `uninstalled:${hashToken(generateOpaqueToken('x'))}`,
      },
      $unset: { installKey: 1 },
    });
    await this.deps.status.changed(before, after, at);
    await this.deps.tokens.revoke(after, RevocationReason.CONNECTOR_UNINSTALLED);
    const { released } = await this.deps.directoryReleaser.releaseConnectorUsers(id);
    this.deps.logger.info({ connectorId: id, released }, 'connector uninstalled');
    return this.view(after);
  }

  /**
   * Status changes the caller may see, optionally narrowed to a company or a connector (checked
   * now: outside the scope is NOT_FOUND). Every event is filtered by the caller's scope again.
   */
  async statusChanges(
    caller: Caller,
    filter: { companyId?: string | null; connectorId?: string | null },
  ): Promise<AsyncIterableIterator<ConnectorStatusChangedEvent>> {
    const { companyId, connectorId } = filter;
    if (connectorId != null) await this.deps.store.require(caller, connectorId);
    if (companyId != null) {
      if (caller.role === CallerRole.CONNECTOR) {
        if (caller.companyId !== companyId) throw notFound('Company');
      } else {
        await this.deps.companies.requireCompany(caller, companyId);
      }
    }
    return this.deps.live.subscribe(
      LiveTopic.CONNECTOR_STATUS_CHANGED,
      (event) =>
        visibleTo(caller, event) &&
        (companyId == null || event.companyId === companyId) &&
        (connectorId == null || event.connectorId === connectorId),
    );
  }
}

/** Whether a status change is within what the caller may see. */
function visibleTo(caller: Caller, event: ConnectorStatusChangedEvent): boolean {
  switch (caller.role) {
    case CallerRole.PARTNER_ADMIN:
      return event.partnerId === caller.partnerId;
    case CallerRole.COMPANY_ADMIN:
      return event.companyId === caller.companyId;
    case CallerRole.CONNECTOR:
      return event.connectorId === caller.connectorId;
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}
