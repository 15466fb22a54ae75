/**
 * The portal's side of the runtime tests: signed JWTs, GraphQL over HTTP and graphql-ws against a
 * hub URL (a process or an in-process runtime), and the seed flow up to an activated connector.
 */
import { SignJWT } from 'jose';
import mongoose, { type Connection } from 'mongoose';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { SeededTenant } from '../helpers/emulator.js';
import { TEST_JWT_SECRET } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

export async function partnerJwt(partnerId = 'partner-rt'): Promise<string> {
  return new SignJWT({ role: 'PARTNER_ADMIN', partnerId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-rt')
    .setIssuer('entra-connector-hub')
    .setAudience('entra-connector-hub')
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

/** A GraphQL operation's data; throws with the errors when there are any. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  jwt: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

export interface ActivatedConnector {
  connectorId: string;
  companyId: string;
}

/** Company, install, credentials, verification, sync group, "Save changes". */
export async function activateConnector(
  url: string,
  jwt: string,
  tenant: SeededTenant,
  options: { name?: string; syncedGroupIds?: string[] } = {},
): Promise<ActivatedConnector> {
  const { createCompany } = await gql<{ createCompany: { id: string } }>(
    url,
    jwt,
    'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    { n: options.name ?? `Company ${tenant.tenantId.slice(0, 8)}` },
  );
  const companyId = createCompany.id;
  const { installConnector } = await gql<{ installConnector: { connector: { id: string } } }>(
    url,
    jwt,
    'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { connector { id } } }',
    { c: companyId },
  );
  const connectorId = installConnector.connector.id;
  await gql(
    url,
    jwt,
    'mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
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
    {
      id: connectorId,
    },
  );
  if (!verifyConnection.verified) {
    throw new Error(`verification failed: ${JSON.stringify(verifyConnection.error)}`);
  }
  await gql(
    url,
    jwt,
    'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
    {
      id: connectorId,
      g: tenant.syncGroupId,
    },
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
  return { connectorId, companyId };
}

export interface WsRecording<T> {
  events: T[];
  errors: unknown[];
  next(match: (event: T) => boolean, timeoutMs?: number, what?: string): Promise<T>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws subscription on `url`, recorded. Resolves once the server acknowledged the
 * connection; give the subscription a moment (or publish a probe event) before relying on it.
 */
export async function subscribeOverWs<T>(
  url: string,
  jwt: string,
  query: string,
  variables: Record<string, unknown>,
  field: string,
): Promise<WsRecording<T>> {
  let connected = false;
  const client: WsClient = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${jwt}` },
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => void (connected = true), error: () => undefined },
  });
  const recording: WsRecording<T> = {
    events: [],
    errors: [],
    next: (match, timeoutMs = 10_000, what = 'a subscription event') =>
      waitFor(() => recording.events.find(match), timeoutMs, what),
    dispose: async () => {
      unsubscribe();
      await Promise.resolve(client.dispose());
    },
  };
  const unsubscribe = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) recording.errors.push(...result.errors);
        const value = result.data?.[field];
        if (value !== undefined) recording.events.push(value);
      },
      error: (error) => void recording.errors.push(error),
      complete: () => undefined,
    },
  );
  await waitFor(() => connected, 5_000, 'the graphql-ws connection');
  return recording;
}

export const STATUS_SUBSCRIPTION = `subscription($connectorId: ID) {
  connectorStatusChanged(connectorId: $connectorId) { connectorId status previousStatus statusReason }
}`;

export interface StatusEvent {
  connectorId: string;
  status: string | null;
  previousStatus: string | null;
  statusReason: string | null;
}

/** Read access to a hub's database (a process's, through its MONGODB_URI): what the sync did. */
export interface HubDatabase {
  connection: Connection;
  /** Entra ids of the connector's directory users that are not deleted. */
  directoryEntraIds(connectorId: string): Promise<string[]>;
  runs(connectorId: string): Promise<RunRow[]>;
  close(): Promise<void>;
}

export interface RunRow {
  _id: unknown;
  trigger: string;
  mode: string;
  status: string;
  coalesced?: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: Record<string, number>;
}

export async function openHubDatabase(uri: string): Promise<HubDatabase> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const db = connection.db!;
  return {
    connection,
    async directoryEntraIds(connectorId) {
      const docs = await db
        .collection('directory_users')
        .find({ connectorId, deletedAt: null }, { projection: { entraId: 1 } })
        .toArray();
      return docs.map((d) => String(d['entraId']));
    },
    async runs(connectorId) {
      const rows = await db
        .collection('sync_runs')
        .find({ connectorId })
        .sort({ requestedAt: 1 })
        .toArray();
      return rows as unknown as RunRow[];
    },
    close: () => connection.close(),
  };
}
