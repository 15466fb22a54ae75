import type { ConnectorStatus, SyncRunStatus } from '../gql/graphql';

const CONNECTOR_LABELS: Record<ConnectorStatus, string> = {
  NOT_SAVED: 'Not saved yet',
  WAITING_FOR_CONNECTION: 'Waiting for connection',
  CONNECTED: 'Connected',
  UNAUTHORIZED: 'Unauthorized',
  ERROR: 'Error',
  DISABLED: 'Disabled',
  UNINSTALLED: 'Uninstalled',
};

export function connectorStatusLabel(status: ConnectorStatus): string {
  return CONNECTOR_LABELS[status];
}

/** The connector's status as the seed guide names it. */
export function StatusBadge({ status }: { status: ConnectorStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {connectorStatusLabel(status)}
    </span>
  );
}

const RUN_TONES: Record<SyncRunStatus, string> = {
  QUEUED: 'waiting_for_connection',
  RUNNING: 'waiting_for_connection',
  SUCCEEDED: 'connected',
  PARTIAL: 'error',
  FAILED: 'unauthorized',
  NEEDS_APPROVAL: 'error',
  CANCELLED: 'disabled',
};

export function RunStatusBadge({ status }: { status: SyncRunStatus }) {
  return (
    <span className={`badge badge-${RUN_TONES[status]}`} data-status={status}>
      {status === 'NEEDS_APPROVAL'
        ? 'Needs approval'
        : status.charAt(0) + status.slice(1).toLowerCase()}
    </span>
  );
}
