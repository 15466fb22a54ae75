import type { SecretBox } from '../crypto/secret-box.js';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import { CallerRole, type Caller } from '../domain/caller.js';
import { ConnectorStatus, SyncTrigger, statusReasonCodeOf } from '../domain/connector.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import { adminConsentUrl } from '../integrations/entra/admin-consent.js';
import type {
  ConnectionVerifier,
  VerificationResult,
} from '../integrations/entra/connection-verifier.js';
import type { GroupDirectory } from '../integrations/entra/group-directory.js';
import type { EntraCredentials } from '../integrations/entra/token-provider.js';
import type { ConsentStateStore } from './consent-state.store.js';
import { credentialsOf } from './connector-credentials.js';
import type { ConnectorStatusPublisher } from './connector-status.js';
import type { ConnectorStore } from './connector-store.js';
import type { ConnectorView } from './connector.view.js';
import { syncGroupDeletedOutcome } from './sync-failure.js';
import type { ConnectorSyncRequests } from './sync-requests.js';

export interface VerifyOutcome {
  verified: boolean;
  connector: ConnectorView;
  /** Set when granting admin consent is the fix; open it in the admin's browser. */
  consentUrl: string | null;
  error: {
    code: ErrorCode;
    message: string;
    reason: string | null;
    /** Application permissions the probes proved missing (empty unless MISSING_PERMISSIONS). */
    missingPermissions: string[];
  } | null;
}

export interface ConnectionCheckDeps {
  store: ConnectorStore;
  secretBox: SecretBox;
  verifier: ConnectionVerifier;
  groups: GroupDirectory;
  consentStates: ConsentStateStore;
  status: ConnectorStatusPublisher;
  syncRequests: ConnectorSyncRequests;
  authorityHost: string;
  /** Where Entra sends the admin back after consent; without it no consent URL is offered. */
  publicBaseUrl: string | undefined;
  view: (doc: ConnectorDoc) => ConnectorView;
  now: () => Date;
}

/**
 * Verify Connection and what it writes: the outcome, the status of a saved connector, and the
 * admin-consent URL when consent is the fix. Refusals met elsewhere on the setup tabs (the group
 * picker) move the status the same way.
 */
export class ConnectionCheckService {
  private readonly now: () => Date;

  constructor(private readonly deps: ConnectionCheckDeps) {
    this.now = deps.now;
  }

  async run(doc: ConnectorDoc): Promise<VerifyOutcome> {
    const credentials = credentialsOf(doc, this.deps.secretBox);
    const result = await this.deps.verifier.verify(credentials);
    return result.ok
      ? this.verified(doc, credentials, this.now())
      : this.notVerified(doc, credentials, result, this.now());
  }

  private async verified(
    doc: ConnectorDoc,
    credentials: EntraCredentials,
    at: Date,
  ): Promise<VerifyOutcome> {
    const id = doc._id.toHexString();
    const active = doc.activatedAt !== null && doc.enabled;
    // Credentials are fine; a saved connector whose sync group is gone still cannot sync, and
    // saying so now beats bouncing through WAITING_FOR_CONNECTION back to ERROR.
    const groupGone =
      active && doc.syncGroupId !== null && !(await this.syncGroupExists(credentials, doc));
    const recovering =
      active &&
      !groupGone &&
      doc.status !== ConnectorStatus.CONNECTED &&
      doc.status !== ConnectorStatus.WAITING_FOR_CONNECTION;
    const gone = groupGone ? syncGroupDeletedOutcome(groupOf(doc), at) : null;
    const { before, after } = await this.deps.store.update(
      systemCaller(doc),
      id,
      {
        $set: {
          verifiedAt: at,
          lastError: gone ? { code: gone.code, message: gone.message, at } : null,
          // Working credentials end any backoff: the scheduled syncs resume at once.
          ...NO_BACKOFF,
          ...(recovering
            ? {
                status: ConnectorStatus.WAITING_FOR_CONNECTION,
                statusReason: null,
                statusReasonCode: null,
              }
            : {}),
          ...(gone
            ? { status: gone.status, statusReason: gone.message, statusReasonCode: gone.reasonCode }
            : {}),
        },
      },
      { precondition: sameCredentials(doc), conflictMessage: CREDENTIALS_CHANGED },
    );
    await this.deps.status.changed(before, after, at);
    if (recovering) await this.deps.syncRequests.request(after, SyncTrigger.MANUAL);
    return { verified: true, connector: this.deps.view(after), consentUrl: null, error: null };
  }

  private async notVerified(
    doc: ConnectorDoc,
    credentials: EntraCredentials,
    result: Extract<VerificationResult, { ok: false }>,
    at: Date,
  ): Promise<VerifyOutcome> {
    const error = result.error;
    const unauthorized = error.code === ErrorCode.UPSTREAM_UNAUTHORIZED;
    const active = doc.activatedAt !== null && doc.enabled;
    const { before, after } = await this.deps.store.update(
      systemCaller(doc),
      doc._id.toHexString(),
      {
        $set: {
          verifiedAt: null,
          lastError: { code: error.code, message: error.message, at },
          ...(active && unauthorized
            ? {
                status: ConnectorStatus.UNAUTHORIZED,
                statusReason: error.message,
                statusReasonCode: statusReasonCodeOf(error),
              }
            : {}),
        },
      },
      { precondition: sameCredentials(doc), conflictMessage: CREDENTIALS_CHANGED },
    );
    await this.deps.status.changed(before, after, at);
    const consentUrl =
      result.consentRequired && this.deps.publicBaseUrl
        ? adminConsentUrl({
            authorityHost: this.deps.authorityHost,
            tenantId: credentials.tenantId,
            clientId: credentials.clientId,
            publicBaseUrl: this.deps.publicBaseUrl,
            state: await this.deps.consentStates.issue({
              connectorId: doc._id,
              tenantId: credentials.tenantId,
              clientId: credentials.clientId,
            }),
          })
        : null;
    const reason = error.details?.['reason'];
    return {
      verified: false,
      connector: this.deps.view(after),
      consentUrl,
      error: {
        code: error.code,
        message: error.message,
        reason: typeof reason === 'string' ? reason : null,
        missingPermissions: result.missingPermissions,
      },
    };
  }

  /**
   * The group picker meets the same refusals a sync does (a secret that expired, consent that
   * was revoked): on a saved connector they move the status as a failed sync would, with the
   * same reason, then the error goes on to the caller.
   */
  async noteRefusal<T>(doc: ConnectorDoc, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const active = doc.activatedAt !== null && doc.enabled;
      if (active && error instanceof AppError && error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) {
        await this.markUnauthorized(doc, error).catch(() => {
          // The credentials changed meanwhile: the refusal was about the old ones.
        });
      }
      throw error;
    }
  }

  private async markUnauthorized(doc: ConnectorDoc, error: AppError): Promise<void> {
    const at = this.now();
    const { before, after } = await this.deps.store.update(
      systemCaller(doc),
      doc._id.toHexString(),
      {
        $set: {
          status: ConnectorStatus.UNAUTHORIZED,
          statusReason: error.message,
          statusReasonCode: statusReasonCodeOf(error),
          lastError: { code: error.code, message: error.message, at },
        },
      },
      { precondition: sameCredentials(doc), conflictMessage: CREDENTIALS_CHANGED },
    );
    await this.deps.status.changed(before, after, at);
  }

  /** False only when Graph says the group does not exist (other failures: assume it does). */
  private async syncGroupExists(
    credentials: EntraCredentials,
    doc: ConnectorDoc,
  ): Promise<boolean> {
    try {
      return (await this.deps.groups.getGroup(credentials, doc.syncGroupId!)) !== null;
    } catch {
      return true;
    }
  }
}

/** Clears the scheduled syncs' backoff after failed runs (see ConnectorRegistryService). */
export const NO_BACKOFF = { consecutiveFailures: 0, nextPollAt: null } as const;

const CREDENTIALS_CHANGED = 'The credentials changed while they were being verified; verify again';

/** Only the credentials that were verified (or refused) may have their outcome written. */
function sameCredentials(doc: ConnectorDoc) {
  return {
    tenantId: doc.tenantId,
    clientId: doc.clientId,
    'clientSecret.ciphertext': doc.clientSecret?.ciphertext,
  };
}

/** A principal scoped to exactly this connector, for writes the system makes on its behalf. */
function systemCaller(doc: ConnectorDoc): Caller {
  return {
    role: CallerRole.CONNECTOR,
    connectorId: doc._id.toHexString(),
    companyId: doc.companyId.toHexString(),
  };
}

function groupOf(doc: ConnectorDoc): { id: string; name: string | null } {
  return { id: doc.syncGroupId ?? '', name: doc.syncGroupName };
}
