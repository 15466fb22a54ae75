import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  statusReasonCodeOf,
  type SyncOutcome,
} from '../domain/connector.js';
import { ErrorCode, isAppError } from '../domain/errors.js';

export type SyncFailure = Extract<SyncOutcome, { ok: false }>;

/**
 * The outcome the sync engine reports (ConnectorRegistry.recordSyncOutcome) when a run fails, so
 * the portal shows the status and message the seed guide's troubleshooting expects:
 * - Entra or Graph refused the credentials, consent or permissions -> UNAUTHORIZED, with the
 *   message of the AppError (it names the Entra reason and says what to do);
 * - anything else the admin must fix -> ERROR.
 * Transient failures (UPSTREAM_UNAVAILABLE: throttling past retries, 5xx, network) return null:
 * the status stays as it is and the run is retried; they are not the admin's problem yet.
 */
export function syncFailureOutcome(error: unknown, at: Date): SyncFailure | null {
  if (!isAppError(error)) {
    return {
      ok: false,
      at,
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      message:
        'The synchronization failed unexpectedly; it will be retried. Contact support if this persists.',
      reasonCode: ConnectorStatusReasonCode.SYNC_FAILED,
      status: ConnectorStatus.ERROR,
    };
  }
  if (error.code === ErrorCode.UPSTREAM_UNAVAILABLE) return null;
  const status =
    error.code === ErrorCode.UPSTREAM_UNAUTHORIZED
      ? ConnectorStatus.UNAUTHORIZED
      : ConnectorStatus.ERROR;
  return {
    ok: false,
    at,
    code: error.code,
    message: error.message,
    reasonCode: statusReasonCodeOf(error),
    status,
  };
}

/** Graph answered 404 for the sync group: it was deleted (or restored under a new id). */
export function syncGroupDeletedOutcome(
  group: { id: string; name?: string | null },
  at: Date,
): SyncFailure {
  const label = group.name ? `"${group.name}" (${group.id})` : group.id;
  return {
    ok: false,
    at,
    code: ErrorCode.NOT_FOUND,
    message: `The sync group ${label} no longer exists in Entra. Restore it in Entra, or select another group on the Users & Groups tab and click Save changes.`,
    reasonCode: ConnectorStatusReasonCode.SYNC_GROUP_NOT_FOUND,
    status: ConnectorStatus.ERROR,
  };
}
