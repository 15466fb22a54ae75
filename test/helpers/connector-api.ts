/**
 * The connector API on an in-process API hub (test/helpers/hub.ts), as the API and security
 * tests drive it: the connector fields the portal reads, live events recorded once the hub has
 * them in place, and small wrappers that fail loudly when an operation errors.
 */
import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import type { Client as WsClient } from 'graphql-ws';
import { InMemoryLiveEvents, LiveTopic } from '../../src/events/live-events.js';
import { emulatorFetch } from './emulator.js';
import { recordSubscription, type Recording } from './graphql.js';
import type { GqlResult, TestHub } from './hub.js';

export { STATUS_SUBSCRIPTION, type Recording, type StatusEvent } from './graphql.js';

export const CONNECTOR_FIELDS = `
  id companyId name kind status statusReason statusReasonCode tenantId clientId clientSecretHint
  clientSecretExpiresAt secretExpiresInDays secretExpiryWarning verified verifiedAt
  syncGroup { id name } syncedGroups { id name } activatedAt enabled lastSuccessfulSyncAt
  lastError { code message at }
  syncRules { userAdded userRemovedFromGroup deleteAfterDays includeNestedGroups includeGuests }
`;

export interface ConnectorData {
  id: string;
  companyId: string;
  name: string;
  status: string;
  statusReason: string | null;
  statusReasonCode: string | null;
  tenantId: string | null;
  clientId: string | null;
  clientSecretHint: string | null;
  clientSecretExpiresAt: string | null;
  secretExpiresInDays: number | null;
  secretExpiryWarning: string | null;
  verified: boolean;
  syncGroup: { id: string; name: string } | null;
  syncedGroups: { id: string; name: string }[];
  activatedAt: string | null;
  enabled: boolean;
  lastSuccessfulSyncAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
  syncRules: Record<string, unknown>;
}

/** The operation's data; fails the test (showing the errors) when there are any. */
export async function ok<T = Record<string, unknown>>(
  result: Promise<GqlResult<T>> | GqlResult<T>,
): Promise<T> {
  const settled = await result;
  expect(settled.errors).toBeUndefined();
  return settled.data as T;
}

/** The first error's code and message; fails the test when the operation succeeded. */
export async function failure(
  result: Promise<GqlResult> | GqlResult,
): Promise<{ code: unknown; message: string; extensions: Record<string, unknown> }> {
  const settled = await result;
  expect(settled.errors?.length ?? 0).toBeGreaterThan(0);
  const first = settled.errors![0]!;
  return {
    code: first.extensions?.['code'],
    message: first.message,
    extensions: first.extensions ?? {},
  };
}

export async function createCompany(h: TestHub, partnerJwt: string, name: string) {
  const data = await ok<{ createCompany: { id: string } }>(
    h.gql(partnerJwt, 'mutation($n:String!){ createCompany(input:{name:$n}) { id } }', { n: name }),
  );
  return data.createCompany.id;
}

export async function installConnector(h: TestHub, jwt: string, companyId: string) {
  const data = await ok<{
    installConnector: { connector: ConnectorData; authenticationToken: string };
  }>(
    h.gql(
      jwt,
      `mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) {
        authenticationToken connector { ${CONNECTOR_FIELDS} } } }`,
      { c: companyId },
    ),
  );
  return data.installConnector;
}

/**
 * A new company of the partner (named `name`, or at random), its admin's JWT, and a connector
 * that admin installed: where most connector tests start.
 */
export async function installForCompanyAdmin(h: TestHub, partnerJwt: string, name?: string) {
  const companyId = await createCompany(
    h,
    partnerJwt,
    name ?? `Company ${randomUUID().slice(0, 8)}`,
  );
  const admin = await h.jwt({ role: 'COMPANY_ADMIN', companyId });
  const installed = await installConnector(h, admin, companyId);
  return { id: installed.connector.id, companyId, admin, installed };
}

/**
 * Subscribes over graphql-ws and records what arrives. Resolves once the server has registered
 * the subscription with the hub's live events (so nothing published afterwards can be missed),
 * or once the subscription failed (then `errors` says why).
 */
export function record<T>(
  h: TestHub,
  client: WsClient,
  query: string,
  variables: Record<string, unknown>,
  field: string,
): Promise<Recording<T>> {
  const live = h.infra.live;
  if (!(live instanceof InMemoryLiveEvents)) {
    return recordSubscription<T>(client, { query, variables, field });
  }
  const topic = LiveTopic.CONNECTOR_STATUS_CHANGED;
  const before = live.subscriberCount(topic);
  return recordSubscription<T>(
    client,
    { query, variables, field },
    { ready: () => live.subscriberCount(topic) > before },
  );
}

export const VERIFY = `mutation($id:ID!){ verifyConnection(connectorId:$id) {
  verified consentUrl error { code message reason missingPermissions }
  connector { status statusReason statusReasonCode verified lastError { code message } } } }`;

export interface VerifyData {
  verifyConnection: {
    verified: boolean;
    consentUrl: string | null;
    error: { code: string; message: string; reason: string; missingPermissions: string[] } | null;
    connector: {
      status: string;
      statusReason: string | null;
      statusReasonCode: string | null;
      verified: boolean;
      lastError: { code: string; message: string } | null;
    };
  };
}

export async function setCredentials(
  h: TestHub,
  jwt: string,
  connectorId: string,
  credentials: { tenantId: string; clientId: string; clientSecret: string },
  extra: Record<string, unknown> = {},
) {
  return h.gql<{ setConnectorCredentials: ConnectorData }>(
    jwt,
    `mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { ${CONNECTOR_FIELDS} } }`,
    {
      i: {
        connectorId,
        tenantId: credentials.tenantId,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        ...extra,
      },
    },
  );
}

export async function verifyConnection(h: TestHub, jwt: string, id: string) {
  return ok<VerifyData>(h.gql(jwt, VERIFY, { id })).then((d) => d.verifyConnection);
}

export async function getConnector(h: TestHub, jwt: string, id: string) {
  return ok<{ connector: ConnectorData }>(
    h.gql(jwt, `query($id:ID!){ connector(id:$id) { ${CONNECTOR_FIELDS} } }`, { id }),
  ).then((d) => d.connector);
}

/** Follows a consent URL through the emulator and the hub's callback; returns the portal URL. */
export async function completeConsent(h: TestHub, consentUrl: string): Promise<URL> {
  const atMicrosoft = await emulatorFetch(h.emulator!)(consentUrl, { redirect: 'manual' });
  const callback = atMicrosoft.headers.get('location');
  if (atMicrosoft.status !== 302 || !callback) {
    throw new Error(`admin consent answered ${atMicrosoft.status}`);
  }
  return followCallback(callback);
}

/** GET on the hub's callback as the browser would; returns where it redirects. */
export async function followCallback(callback: string | URL): Promise<URL> {
  const atHub = await fetch(callback, { redirect: 'manual' });
  const location = atHub.headers.get('location');
  if (atHub.status !== 302 || !location) throw new Error(`callback answered ${atHub.status}`);
  return new URL(location);
}
