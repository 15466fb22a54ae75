/** The portal's install flow over GraphQL, against any hub URL, up to an activated connector. */
import type { SeededTenant } from './emulator.js';
import { gql } from './graphql.js';

export interface ActivatedConnector {
  connectorId: string;
  companyId: string;
  /** The connector's authentication token, shown once at install. */
  connectorToken: string;
}

/** Company, install, credentials, Verify Connection, sync group (and extra groups), "Save changes". */
export async function activateConnector(
  url: string,
  jwt: string,
  tenant: Pick<SeededTenant, 'tenantId' | 'clientId' | 'clientSecret' | 'syncGroupId'>,
  options: { name?: string; syncedGroupIds?: string[] } = {},
): Promise<ActivatedConnector> {
  const { createCompany } = await gql<{ createCompany: { id: string } }>(
    url,
    jwt,
    'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    { n: options.name ?? `Company ${tenant.tenantId.slice(0, 8)}` },
  );
  const { installConnector } = await gql<{
    installConnector: { authenticationToken: string; connector: { id: string } };
  }>(
    url,
    jwt,
    'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { authenticationToken connector { id } } }',
    { c: createCompany.id },
  );
  const connectorId = installConnector.connector.id;
  await gql(
    url,
    jwt,
    'mutation($i:SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
    {
      i: {
        connectorId,
        tenantId: tenant.tenantId,
        clientId: tenant.clientId,
        clientSecret: tenant.clientSecret,
      },
    },
  );
  const { verifyConnection } = await gql<{
    verifyConnection: { verified: boolean; error: unknown };
  }>(
    url,
    jwt,
    'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified error { code message } } }',
    { id: connectorId },
  );
  if (!verifyConnection.verified) {
    throw new Error(`verification failed: ${JSON.stringify(verifyConnection.error)}`);
  }
  await gql(
    url,
    jwt,
    'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
    { id: connectorId, g: tenant.syncGroupId },
  );
  if (options.syncedGroupIds?.length) {
    await gql(
      url,
      jwt,
      'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
      { id: connectorId, g: options.syncedGroupIds },
    );
  }
  await gql(url, jwt, 'mutation($id:ID!){ activateConnector(connectorId:$id) { id } }', {
    id: connectorId,
  });
  return {
    connectorId,
    companyId: createCompany.id,
    connectorToken: installConnector.authenticationToken,
  };
}
