import { GraphqlRequestError, HubGraphqlClient } from '../../src/cli/graphql-client.js';
import type { DemoWebhookState } from './demo-webhooks.js';

/** What the launcher remembers between runs (.dev/demo.json). */
export interface DemoState extends DemoWebhookState {
  tenantId: string;
  clientId: string;
  partnerId: string;
  companyId?: string;
  connectorId?: string;
  /** Shown once at install ("save the Authentication token for future use"). */
  connectorToken?: string;
}

interface ConnectorState {
  id: string;
  clientId: string | null;
  verified: boolean;
  status: string | null;
}

const CONNECTOR_FIELDS = 'id clientId verified status';

/**
 * Makes sure the demo partner has the demo company with an installed Azure AD connector, through
 * the same GraphQL API the portal uses. On a second run with the same database it reuses them;
 * when the connector already had credentials, the emulator's new client secret is entered again
 * (and verified again if it was verified), as an admin would after rotating a secret.
 */
export async function ensureDemoConnector(options: {
  graphqlUrl: string;
  partnerJwt: string;
  state: DemoState;
  clientSecret: string;
  /**
   * Called when the connector had been verified: the emulator forgot the admin consent (the
   * app, registered in the demo tenant, is there again but without its permissions).
   */
  regrantConsent: () => void;
  log: (line: string) => void;
}): Promise<DemoState & { companyId: string; connectorId: string }> {
  const api = new HubGraphqlClient(options.graphqlUrl, `Bearer ${options.partnerJwt}`);
  const state = { ...options.state };

  const { companies } = await api.request<{ companies: { id: string; name: string }[] }>(
    'query { companies { id name } }',
  );
  let companyId = companies.find((c) => c.id === state.companyId)?.id;
  if (!companyId) {
    const created = await api.request<{ createCompany: { id: string } }>(
      'mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }',
      { input: { name: 'Contoso (demo)', seatLimit: 1000 } },
    );
    companyId = created.createCompany.id;
    state.connectorId = undefined;
    options.log(`created the demo company ${companyId}`);
  }
  state.companyId = companyId;

  let connector = state.connectorId ? await findConnector(api, state.connectorId) : null;
  if (!connector) {
    const installed = await api.request<{
      installConnector: { authenticationToken: string; connector: ConnectorState };
    }>(
      `mutation($input: InstallConnectorInput!) {
        installConnector(input: $input) { authenticationToken connector { ${CONNECTOR_FIELDS} } }
      }`,
      { input: { companyId, name: 'Azure AD' } },
    );
    connector = installed.installConnector.connector;
    state.connectorId = connector.id;
    state.connectorToken = installed.installConnector.authenticationToken;
    options.log(`installed the demo connector ${connector.id} (not verified yet)`);
  } else if (connector.clientId) {
    const wasVerified = connector.verified;
    if (wasVerified) options.regrantConsent();
    await api.request(
      `mutation($input: SetConnectorCredentialsInput!) { setConnectorCredentials(input: $input) { id } }`,
      {
        input: {
          connectorId: connector.id,
          tenantId: state.tenantId,
          clientId: state.clientId,
          clientSecret: options.clientSecret,
        },
      },
    );
    if (wasVerified) {
      const verified = await api.request<{ verifyConnection: { verified: boolean } }>(
        'mutation($id: ID!) { verifyConnection(connectorId: $id) { verified } }',
        { id: connector.id },
      );
      options.log(
        `reused connector ${connector.id}: new emulator secret entered, ${verified.verifyConnection.verified ? 'verified again' : 'verification FAILED'}`,
      );
    } else {
      options.log(`reused connector ${connector.id}: new emulator secret entered`);
    }
  } else {
    options.log(`reused connector ${connector.id}`);
  }
  return { ...state, companyId, connectorId: connector.id };
}

async function findConnector(api: HubGraphqlClient, id: string): Promise<ConnectorState | null> {
  try {
    const { connector } = await api.request<{ connector: ConnectorState }>(
      `query($id: ID!) { connector(id: $id) { ${CONNECTOR_FIELDS} } }`,
      { id },
    );
    return connector;
  } catch (error) {
    if (error instanceof GraphqlRequestError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}
