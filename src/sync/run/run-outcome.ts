import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  statusReasonCodeOf,
  type SyncOutcome,
} from '../../domain/connector.js';
import { ErrorCode, isAppError } from '../../domain/errors.js';
import { SyncRunStatus } from '../../domain/sync-run.js';
import { SyncGroupGoneError } from '../../integrations/entra/full-reader.js';
import type { RunOutcome } from './sync-runner.js';

/** How a run that ran to its end is recorded, and what it means for the connector. */
export interface RunVerdict {
  status: SyncRunStatus;
  /** Some data could not be read: the run is PARTIAL and the connector ERROR. */
  incomplete: boolean;
  connector: SyncOutcome;
  /** The run planned deprovisioning anew: older runs awaiting approval no longer apply. */
  supersedes: boolean;
}

export function judgeRun(outcome: RunOutcome, at = new Date()): RunVerdict {
  const incomplete = outcome.withheld > 0 || outcome.problems.length > 0;
  const status =
    outcome.staged > 0
      ? SyncRunStatus.NEEDS_APPROVAL
      : outcome.counts.errors > 0 || incomplete
        ? SyncRunStatus.PARTIAL
        : SyncRunStatus.SUCCEEDED;
  return {
    status,
    incomplete,
    connector: incomplete
      ? failure(
          ConnectorStatus.ERROR,
          ErrorCode.UPSTREAM_UNAVAILABLE,
          ConnectorStatusReasonCode.ENTRA_DATA_INCOMPLETE,
          outcome.problems[0]?.message ?? 'Entra data was incomplete; the next sync retries.',
          at,
        )
      : { ok: true, at },
    supersedes:
      outcome.staged > 0 ||
      (!incomplete && outcome.counts.usersDisabled + outcome.counts.usersDeleted > 0),
  };
}

/** A run that threw: its error for the record, and the connector status it implies (if any). */
export interface RunFailure {
  code: ErrorCode;
  message: string;
  connectorStatus: ConnectorStatus.ERROR | ConnectorStatus.UNAUTHORIZED | null;
  reasonCode: ConnectorStatusReasonCode;
}

export function describeFailure(error: unknown): RunFailure {
  if (error instanceof SyncGroupGoneError) {
    return {
      code: error.code,
      message: error.message,
      connectorStatus: ConnectorStatus.ERROR,
      reasonCode: ConnectorStatusReasonCode.SYNC_GROUP_NOT_FOUND,
    };
  }
  if (isAppError(error)) {
    const connectorStatus =
      error.code === ErrorCode.UPSTREAM_UNAUTHORIZED
        ? ConnectorStatus.UNAUTHORIZED
        : ConnectorStatus.ERROR;
    return {
      code: error.code,
      message: error.message,
      connectorStatus,
      reasonCode: statusReasonCodeOf(error),
    };
  }
  return {
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    message: 'The sync failed unexpectedly; it will be retried.',
    connectorStatus: null,
    reasonCode: ConnectorStatusReasonCode.SYNC_FAILED,
  };
}

export function failure(
  status: ConnectorStatus.ERROR | ConnectorStatus.UNAUTHORIZED,
  code: ErrorCode,
  reasonCode: ConnectorStatusReasonCode,
  message: string,
  at = new Date(),
): SyncOutcome {
  return { ok: false, at, code, message, reasonCode, status };
}
