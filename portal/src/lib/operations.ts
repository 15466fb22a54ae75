import { graphql } from '../gql';

/**
 * The operations of the companies, connectors and connector-setup screens, for a portal team to
 * copy (sync runs, approvals and users: sync-operations.ts). Types come from
 * `schema/schema.graphql` through GraphQL Code Generator (`portal/codegen.ts`).
 */

export const ConnectorFields = graphql(`
  fragment ConnectorFields on Connector {
    id
    name
    companyId
    status
    statusReason
    enabled
    activatedAt
    verified
    verifiedAt
    tenantId
    clientId
    clientSecretHint
    clientSecretExpiresAt
    secretExpiresInDays
    secretExpiryWarning
    lastSuccessfulSyncAt
    lastError {
      code
      message
      at
    }
    consecutiveSyncFailures
    nextSyncAttemptAt
    webhooksEnabled
    syncGroup {
      id
      name
    }
    syncedGroups {
      id
      name
    }
  }
`);

export const CompaniesQuery = graphql(`
  query Companies {
    companies {
      id
      name
      seatLimit
      createdAt
    }
  }
`);

export const CreateCompanyMutation = graphql(`
  mutation CreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) {
      id
      name
    }
  }
`);

export const ConnectorsQuery = graphql(`
  query Connectors($companyId: ID!) {
    connectors(companyId: $companyId) {
      nodes {
        ...ConnectorFields
      }
    }
  }
`);

export const ConnectorQuery = graphql(`
  query Connector($id: ID!) {
    connector(id: $id) {
      ...ConnectorFields
      syncRules {
        userAdded
        userRemovedFromGroup
        userDisabledInEntra
        userDeletedInEntra
        userReenabled
        attributesChanged
        deleteAfterDays
        includeNestedGroups
        includeGuests
        linkExistingByEmail
        massChangeThresholdPercent
        massChangeThresholdAbsolute
      }
    }
  }
`);

export const ConnectorStatusSubscription = graphql(`
  subscription ConnectorStatus($companyId: ID, $connectorId: ID) {
    connectorStatusChanged(companyId: $companyId, connectorId: $connectorId) {
      connectorId
      companyId
      previousStatus
      status
      statusReason
      changedAt
    }
  }
`);

export const InstallConnectorMutation = graphql(`
  mutation InstallConnector($input: InstallConnectorInput!) {
    installConnector(input: $input) {
      authenticationToken
      connector {
        ...ConnectorFields
      }
    }
  }
`);

export const SetCredentialsMutation = graphql(`
  mutation SetCredentials($input: SetConnectorCredentialsInput!) {
    setConnectorCredentials(input: $input) {
      ...ConnectorFields
    }
  }
`);

export const VerifyConnectionMutation = graphql(`
  mutation VerifyConnection($connectorId: ID!) {
    verifyConnection(connectorId: $connectorId) {
      verified
      consentUrl
      error {
        code
        reason
        message
        missingPermissions
      }
      connector {
        ...ConnectorFields
      }
    }
  }
`);

export const EntraGroupsQuery = graphql(`
  query EntraGroups($connectorId: ID!, $search: String, $after: String) {
    entraGroups(connectorId: $connectorId, search: $search, first: 25, after: $after) {
      edges {
        node {
          id
          displayName
          description
          mail
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const SelectSyncGroupMutation = graphql(`
  mutation SelectSyncGroup($connectorId: ID!, $groupId: String!) {
    selectSyncGroup(connectorId: $connectorId, groupId: $groupId) {
      ...ConnectorFields
    }
  }
`);

export const SetSyncedGroupsMutation = graphql(`
  mutation SetSyncedGroups($connectorId: ID!, $groupIds: [String!]!) {
    setSyncedGroups(connectorId: $connectorId, groupIds: $groupIds) {
      ...ConnectorFields
    }
  }
`);

export const UpdateSyncRulesMutation = graphql(`
  mutation UpdateSyncRules($connectorId: ID!, $rules: SyncRulesInput!) {
    updateSyncRules(connectorId: $connectorId, rules: $rules) {
      id
    }
  }
`);

export const ActivateConnectorMutation = graphql(`
  mutation ActivateConnector($connectorId: ID!) {
    activateConnector(connectorId: $connectorId) {
      ...ConnectorFields
    }
  }
`);

export const SynchronizeNowMutation = graphql(`
  mutation SynchronizeNow($connectorId: ID!) {
    synchronizeNow(connectorId: $connectorId) {
      runId
    }
  }
`);

export const SetConnectorEnabledMutation = graphql(`
  mutation SetConnectorEnabled($connectorId: ID!, $enabled: Boolean!) {
    setConnectorEnabled(connectorId: $connectorId, enabled: $enabled) {
      ...ConnectorFields
    }
  }
`);

export const RotateTokenMutation = graphql(`
  mutation RotateConnectorToken($connectorId: ID!) {
    rotateConnectorToken(connectorId: $connectorId) {
      authenticationToken
      connector {
        id
      }
    }
  }
`);

export const UninstallConnectorMutation = graphql(`
  mutation UninstallConnector($connectorId: ID!) {
    uninstallConnector(connectorId: $connectorId) {
      id
    }
  }
`);
