import { ErrorCode, isAppError } from './errors.js';
import type { SyncRules } from './sync-rules.js';

/**
 * The contract between the connector lifecycle (src/connectors) and the sync
 * engine (src/sync). Each side implements one port; only src/main.ts wires them together.
 */

export enum ConnectorKind {
  AZURE_AD = 'AZURE_AD',
}

export interface GroupRef {
  id: string;
  name: string;
}

export enum ConnectorStatus {
  /**
   * Installed, the wizard not finished ("Save changes" not clicked yet). Stored as null: the
   * one name for it everywhere else (GraphQL, metrics, CLI) comes from `shownStatus`.
   */
  NOT_SAVED = 'NOT_SAVED',
  /** Saved and active, first successful sync not yet done. */
  WAITING_FOR_CONNECTION = 'WAITING_FOR_CONNECTION',
  CONNECTED = 'CONNECTED',
  /** Entra refused the token, consent was revoked or permissions are missing. */
  UNAUTHORIZED = 'UNAUTHORIZED',
  /** Something the admin must fix that is not auth, e.g. the sync group was deleted. */
  ERROR = 'ERROR',
  /** Turned off by an admin (`setConnectorEnabled(false)`). */
  DISABLED = 'DISABLED',
  /** Uninstalled: nothing syncs, its users stay in the directory, no longer managed. */
  UNINSTALLED = 'UNINSTALLED',
}

/** The status a caller sees: a stored null (never saved) is NOT_SAVED. */
export function shownStatus(stored: ConnectorStatus | null): ConnectorStatus {
  return stored ?? ConnectorStatus.NOT_SAVED;
}

/**
 * Why Entra or Graph refused the connector, in the terms an admin acts on. The AADSTS numbers
 * are documented in https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes;
 * anything else is UNKNOWN with Entra's own code attached.
 */
export enum EntraAuthReason {
  INVALID_SECRET = 'INVALID_SECRET',
  EXPIRED_SECRET = 'EXPIRED_SECRET',
  MISSING_SECRET = 'MISSING_SECRET',
  UNKNOWN_TENANT = 'UNKNOWN_TENANT',
  /**
   * AADSTS700016: no app with this client id in the tenant (a multi-tenant app no admin has
   * installed, or a wrong client or tenant id). Admin consent installs an app from elsewhere.
   */
  APP_NOT_CONSENTED = 'APP_NOT_CONSENTED',
  /** AADSTS7000112: the app's enterprise application is disabled in the tenant. */
  APP_DISABLED = 'APP_DISABLED',
  /** The app has no admin consent in the tenant (never granted, or revoked): no permissions. */
  CONSENT_REQUIRED = 'CONSENT_REQUIRED',
  /** Graph denied a read: an application permission the connector needs is not granted. */
  MISSING_PERMISSIONS = 'MISSING_PERMISSIONS',
  /** Graph refused a token Entra issued (the app was removed or disabled since). */
  TOKEN_REJECTED = 'TOKEN_REJECTED',
  UNKNOWN = 'UNKNOWN',
}

// Not one of the status reasons of its own: a connector's UNKNOWN is ConnectorStatusReasonCode's.
const { UNKNOWN: _unknown, ...ENTRA_REASONS } = EntraAuthReason;

/**
 * Why a connector is UNAUTHORIZED or ERROR, as a code a portal can branch on or translate;
 * `statusReason` says the same in English with what to do. Null when the status needs no
 * reason (NOT_SAVED, WAITING_FOR_CONNECTION, CONNECTED, DISABLED, UNINSTALLED).
 */
export const ConnectorStatusReasonCode = {
  /** UNAUTHORIZED: new credentials were entered and are not verified yet. */
  CREDENTIALS_CHANGED: 'CREDENTIALS_CHANGED',
  /** UNAUTHORIZED: why Entra refused (EntraAuthReason, docs/api.md). */
  ...ENTRA_REASONS,
  /** ERROR: the sync group no longer exists in Entra. */
  SYNC_GROUP_NOT_FOUND: 'SYNC_GROUP_NOT_FOUND',
  /** ERROR: part of the Entra data could not be read; nobody was deprovisioned. */
  ENTRA_DATA_INCOMPLETE: 'ENTRA_DATA_INCOMPLETE',
  /** ERROR: the sync failed in a way the hub does not classify; it is retried. */
  SYNC_FAILED: 'SYNC_FAILED',
  /**
   * Entra refused for a reason the hub does not classify (the message carries Entra's code), or
   * a reason recorded before reason codes existed.
   */
  UNKNOWN: EntraAuthReason.UNKNOWN,
} as const;
export type ConnectorStatusReasonCode =
  (typeof ConnectorStatusReasonCode)[keyof typeof ConnectorStatusReasonCode];

const REASON_CODES: ReadonlySet<string> = new Set(Object.values(ConnectorStatusReasonCode));

/**
 * The reason code a failure implies. Entra refusals carry their reason in the AppError's
 * details (`EntraAuthDetails.reason`, the same names); anything unexpected is SYNC_FAILED.
 */
export function statusReasonCodeOf(error: unknown): ConnectorStatusReasonCode {
  if (!isAppError(error)) return ConnectorStatusReasonCode.SYNC_FAILED;
  const reason = error.details?.['reason'];
  if (error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) {
    return typeof reason === 'string' && REASON_CODES.has(reason)
      ? (reason as ConnectorStatusReasonCode)
      : ConnectorStatusReasonCode.UNKNOWN;
  }
  if (error.code === ErrorCode.UPSTREAM_UNAVAILABLE) {
    return ConnectorStatusReasonCode.ENTRA_DATA_INCOMPLETE;
  }
  return ConnectorStatusReasonCode.SYNC_FAILED;
}

export enum SyncTrigger {
  INITIAL = 'INITIAL',
  MANUAL = 'MANUAL',
  WEBHOOK = 'WEBHOOK',
  POLL = 'POLL',
  RECONCILE = 'RECONCILE',
}

export enum SyncMode {
  FULL = 'FULL',
  DELTA = 'DELTA',
}

/** What the sync engine needs to run one connector; the client secret is decrypted. */
export interface ConnectorSyncConfig {
  connectorId: string;
  companyId: string;
  partnerId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The client secret's expiry date as entered (or assumed); null when unknown. */
  clientSecretExpiresAt?: Date | null;
  syncGroupId: string;
  syncedGroupIds: readonly string[];
  rules: SyncRules;
  /** The company's seat limit; null = unlimited. */
  seatLimit: number | null;
  /**
   * CONNECTED and no failed run since the last good one: an idle poll may then be a delta probe
   * without a run (src/sync/run/delta-probe.ts); otherwise the poll runs a sync so the status
   * moves. Absent = false.
   */
  settled?: boolean;
}

export type SyncOutcome =
  | { ok: true; at: Date }
  | {
      ok: false;
      at: Date;
      code: ErrorCode;
      /** Client-safe message saying what went wrong and what to do. */
      message: string;
      /** The same as a code (the connector's `statusReasonCode`). */
      reasonCode: ConnectorStatusReasonCode;
      /** The connector status this failure implies (UNAUTHORIZED or ERROR). */
      status: ConnectorStatus.UNAUTHORIZED | ConnectorStatus.ERROR;
    };

/** Whose directory a run writes: enough to queue it and to scope its events. */
export interface SyncTarget {
  companyId: string;
  partnerId: string;
}

/** Implemented by the connector lifecycle side. */
export interface ConnectorRegistry {
  /** Null when the connector does not exist, is not activated, or is disabled/uninstalled. */
  loadSyncConfig(connectorId: string): Promise<ConnectorSyncConfig | null>;
  /** The same check as loadSyncConfig without decrypting anything: may a run be queued? */
  syncTarget(connectorId: string): Promise<SyncTarget | null>;
  /**
   * Ids of connectors that are activated and enabled (for polling and reconciliation). With
   * `dueBy`, connectors backing off after failures past that time are left out.
   */
  listActiveConnectorIds(options?: { dueBy?: Date }): Promise<string[]>;
  /**
   * When syncs triggered by change notifications may try the connector again: set from the
   * second failed run in a row on; null when it is not backing off.
   */
  syncDeferredUntil(connectorId: string): Promise<Date | null>;
  /**
   * Moves WAITING_FOR_CONNECTION/UNAUTHORIZED/ERROR -> CONNECTED on success, and back. With
   * `backoff: false` a failure moves the status without counting toward the syncs' backoff (a
   * refusal met outside a sync run, e.g. while keeping Graph subscriptions).
   */
  recordSyncOutcome(
    connectorId: string,
    outcome: SyncOutcome,
    options?: { backoff?: boolean },
  ): Promise<void>;
}

/** Implemented by the sync side; returns the id of the run that will do (or does) the work. */
export interface SyncRequester {
  requestSync(
    connectorId: string,
    trigger: SyncTrigger,
    options?: {
      mode?: SyncMode | undefined;
      /** Given by a caller that has just checked the connector is active (no second read). */
      target?: SyncTarget | undefined;
    },
  ): Promise<{ runId: string }>;
}

/**
 * Implemented by the real-time side: a connector's Graph change subscriptions must be brought in
 * line (activated, re-enabled, disabled, uninstalled, its status or selected groups changed).
 * Fire and forget: a daily reconcile catches what a lost request missed.
 */
export interface SubscriptionUpkeep {
  subscriptionsNeedAttention(connectorId: string): Promise<void>;
}
