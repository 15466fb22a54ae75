import type { ConnectorDoc } from '../db/models/connector.model.js';
import {
  shownStatus,
  type ConnectorKind,
  type ConnectorStatus,
  ConnectorStatusReasonCode,
  type GroupRef,
} from '../domain/connector.js';
import type { ErrorCode } from '../domain/errors.js';
import type { SyncRules } from '../domain/sync-rules.js';

const DAY_MS = 86_400_000;
/** Entra shows expiring secrets from 30 days out; so does the portal. */
export const SECRET_EXPIRY_WARNING_DAYS = 30;

/**
 * What a caller may see of a connector. Built from the stored document by `toConnectorView`,
 * which is the one place that decides what leaves the service: never the sealed secret or the
 * token hash.
 */
export interface ConnectorView {
  id: string;
  companyId: string;
  name: string;
  kind: ConnectorKind;
  status: ConnectorStatus;
  statusReason: string | null;
  statusReasonCode: ConnectorStatusReasonCode | null;
  tenantId: string | null;
  clientId: string | null;
  clientSecretHint: string | null;
  clientSecretExpiresAt: Date | null;
  secretExpiresInDays: number | null;
  secretExpiryWarning: string | null;
  verified: boolean;
  verifiedAt: Date | null;
  syncGroup: GroupRef | null;
  syncedGroups: GroupRef[];
  syncRules: SyncRules;
  activatedAt: Date | null;
  enabled: boolean;
  webhooksEnabled: boolean;
  lastSuccessfulSyncAt: Date | null;
  lastError: { code: ErrorCode; message: string; at: Date } | null;
  consecutiveSyncFailures: number;
  /** Set while scheduled syncs back off after failed runs (null once the time has passed). */
  nextSyncAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ViewOptions {
  now: Date;
  webhooksEnabled: boolean;
}

export function toConnectorView(doc: ConnectorDoc, options: ViewOptions): ConnectorView {
  const expiresAt = doc.clientSecretExpiresAt;
  const days =
    expiresAt === null ? null : Math.floor((expiresAt.getTime() - options.now.getTime()) / DAY_MS);
  return {
    id: doc._id.toHexString(),
    companyId: doc.companyId.toHexString(),
    name: doc.name,
    kind: doc.kind,
    status: shownStatus(doc.status),
    statusReason: doc.statusReason,
    statusReasonCode: statusReasonCodeOfDoc(doc),
    tenantId: doc.tenantId,
    clientId: doc.clientId,
    clientSecretHint: doc.clientSecretHint === null ? null : `****${doc.clientSecretHint}`,
    clientSecretExpiresAt: expiresAt,
    secretExpiresInDays: days,
    secretExpiryWarning: expiryWarning(days),
    verified: doc.verifiedAt !== null,
    verifiedAt: doc.verifiedAt,
    syncGroup:
      doc.syncGroupId === null ? null : { id: doc.syncGroupId, name: doc.syncGroupName ?? '' },
    syncedGroups: doc.syncedGroups.map((g) => ({ id: g.id, name: g.name })),
    syncRules: { ...doc.syncRules },
    activatedAt: doc.activatedAt,
    enabled: doc.enabled,
    webhooksEnabled: options.webhooksEnabled,
    lastSuccessfulSyncAt: doc.lastSuccessfulSyncAt,
    lastError: doc.lastError
      ? { code: doc.lastError.code, message: doc.lastError.message, at: doc.lastError.at }
      : null,
    consecutiveSyncFailures: doc.consecutiveFailures ?? 0,
    nextSyncAttemptAt:
      doc.nextPollAt && doc.nextPollAt.getTime() > options.now.getTime() ? doc.nextPollAt : null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Null exactly when there is no reason; a reason stored before codes existed is UNKNOWN. */
export function statusReasonCodeOfDoc(
  doc: Pick<ConnectorDoc, 'statusReason' | 'statusReasonCode'>,
): ConnectorStatusReasonCode | null {
  if (doc.statusReason === null) return null;
  return doc.statusReasonCode ?? ConnectorStatusReasonCode.UNKNOWN;
}

function expiryWarning(days: number | null): string | null {
  if (days === null || days >= SECRET_EXPIRY_WARNING_DAYS) return null;
  if (days < 0) {
    return 'The client secret has expired: create a new secret in Entra and enter it here.';
  }
  return `The client secret expires in ${days} day${days === 1 ? '' : 's'}: create a new secret in Entra and enter it here before then.`;
}
