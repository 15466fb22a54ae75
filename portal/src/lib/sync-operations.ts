import { graphql } from '../gql';

/** The operations of the sync runs, approvals and users screens (see operations.ts). */

export const SyncRunFields = graphql(`
  fragment SyncRunFields on SyncRun {
    id
    connectorId
    status
    trigger
    mode
    requestedAt
    startedAt
    finishedAt
    durationMs
    changeCount
    coalesced
    graphRequests
    notes
    error {
      code
      message
    }
    approval {
      state
      decidedAt
      decidedBy
    }
    counts {
      usersCreated
      usersUpdated
      usersDisabled
      usersEnabled
      usersDeleted
      usersPending
      groupsCreated
      groupsUpdated
      groupsRemoved
      membershipsAdded
      membershipsRemoved
      staged
      errors
    }
  }
`);

export const SyncRunsQuery = graphql(`
  query SyncRuns($connectorId: ID!, $after: String) {
    syncRuns(connectorId: $connectorId, first: 20, after: $after) {
      nodes {
        ...SyncRunFields
      }
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const SyncRunUpdatedSubscription = graphql(`
  subscription SyncRunUpdated($connectorId: ID!) {
    syncRunUpdated(connectorId: $connectorId) {
      ...SyncRunFields
    }
  }
`);

export const SyncRunQuery = graphql(`
  query SyncRun($id: ID!, $after: String) {
    syncRun(id: $id) {
      ...SyncRunFields
      changes(first: 100, after: $after) {
        nodes {
          seq
          action
          objectType
          objectId
          label
          rule
          state
          message
        }
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const ApproveSyncRunMutation = graphql(`
  mutation ApproveSyncRun($runId: ID!) {
    approveSyncRun(runId: $runId) {
      ...SyncRunFields
    }
  }
`);

export const RejectSyncRunMutation = graphql(`
  mutation RejectSyncRun($runId: ID!) {
    rejectSyncRun(runId: $runId) {
      ...SyncRunFields
    }
  }
`);

export const DirectoryUsersQuery = graphql(`
  query DirectoryUsers($companyId: ID!, $search: String, $after: String) {
    directoryUsers(companyId: $companyId, search: $search, first: 50, after: $after) {
      nodes {
        id
        displayName
        email
        status
        statusReason
        managedBy
        updatedAt
      }
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
