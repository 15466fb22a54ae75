/**
 * The GraphQL operations the CLI sends, in one place, checked against schema/schema.graphql by
 * test/api/cli.test.ts. Lists are Relay connections read page by page (pages.ts).
 */

const PAGE = 'pageInfo { hasNextPage endCursor } totalCount';

export const CONNECTOR_FIELDS = `id name companyId status statusReasonCode statusReason verified
  enabled syncGroup { id name } lastSuccessfulSyncAt secretExpiresInDays`;

export const LIST_CONNECTORS = `query Connectors($companyId: ID, $status: ConnectorStatus, $first: Int, $after: String) {
  connectors(companyId: $companyId, status: $status, first: $first, after: $after) {
    nodes { ${CONNECTOR_FIELDS} } ${PAGE}
  }
}`;

export const CONNECTOR_OUTCOME = `query ConnectorOutcome($id: ID!) {
  connector(id: $id) { status statusReason lastSuccessfulSyncAt lastError { at code message } }
}`;

export const SYNCHRONIZE_NOW = `mutation SynchronizeNow($connectorId: ID!) {
  synchronizeNow(connectorId: $connectorId) { runId }
}`;

export const RUN_FIELDS = `id connectorId trigger mode status requestedAt startedAt finishedAt
  counts {
    usersCreated usersUpdated usersEnabled usersDisabled usersDeleted usersPending
    groupsCreated groupsUpdated groupsRemoved membershipsAdded membershipsRemoved errors
  }
  graphRequests changeCount error { code message }`;

export const SYNC_RUN = `query SyncRun($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`;

export const SYNC_RUNS = `query SyncRuns($connectorId: ID!, $first: Int!, $after: String) {
  syncRuns(connectorId: $connectorId, first: $first, after: $after) {
    nodes { ${RUN_FIELDS} } ${PAGE}
  }
}`;

export const SYNC_RUN_UPDATED = `subscription SyncRunUpdated($connectorId: ID!) {
  syncRunUpdated(connectorId: $connectorId) { ${RUN_FIELDS} }
}`;

export const SYNC_RUN_CHANGES = `query SyncRunChanges($id: ID!, $first: Int!, $after: String) {
  syncRun(id: $id) {
    id status
    changes(first: $first, after: $after) {
      nodes { objectType objectId label action rule state before after message } ${PAGE}
    }
  }
}`;

export const APPROVE_SYNC_RUN = `mutation Approve($runId: ID!) { approveSyncRun(runId: $runId) { ${RUN_FIELDS} } }`;
export const REJECT_SYNC_RUN = `mutation Reject($runId: ID!) { rejectSyncRun(runId: $runId) { ${RUN_FIELDS} } }`;

export interface ConnectorRow {
  id: string;
  name: string;
  companyId: string;
  status: string;
  statusReasonCode: string | null;
  statusReason: string | null;
  verified: boolean;
  enabled: boolean;
  syncGroup: { id: string; name: string } | null;
  lastSuccessfulSyncAt: string | null;
  secretExpiresInDays: number | null;
}

export interface SyncRunCounts {
  usersCreated: number;
  usersUpdated: number;
  usersEnabled: number;
  usersDisabled: number;
  usersDeleted: number;
  usersPending: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsRemoved: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  errors: number;
}

export interface SyncRunRow {
  id: string;
  connectorId: string;
  trigger: string;
  mode: string;
  status: string;
  requestedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  counts: SyncRunCounts;
  graphRequests: number;
  changeCount: number;
  error: { code: string; message: string } | null;
}

export interface ChangeRow {
  objectType: string;
  objectId: string;
  /** Email or group name. */
  label: string | null;
  action: string;
  rule: string | null;
  /** APPLIED, STAGED, FAILED, ... */
  state: string | null;
  /** The touched fields before and after (JSON). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  message: string | null;
}

export const ENDED_STATUSES = new Set([
  'SUCCEEDED',
  'PARTIAL',
  'NEEDS_APPROVAL',
  'FAILED',
  'CANCELLED',
]);
