/**
 * What the fault tests share: a database server of their own (so stopping it hurts no other test
 * file), the portal's side of the connector flow against a hub URL, and log probes.
 */
import { waitFor } from '../helpers/wait.js';
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { loadProvisionConfig } from '../../src/config.js';
import type { MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { withDatabase } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';
import type { SeededTenant } from '../helpers/emulator.js';
import { partnerJwt } from '../security/portal.js';

export { partnerJwt };

/** A server the test may stop and start: never the shared test server or an external one. */
export async function startPausableDatabase(): Promise<
  MongoServerHandle & { pause(): Promise<void>; start(): Promise<void>; databaseUri(): string }
> {
  const { mongodbUri: _external, ...options } = loadProvisionConfig(process.env);
  const handle = await provisionMongo({
    ...options,
    provider: options.provider === 'uri' ? 'auto' : options.provider,
  });
  if (!handle.pause || !handle.start) {
    await handle.stop();
    throw new Error(`the ${handle.provider} server cannot be paused`);
  }
  const { pause, start } = handle;
  return {
    ...handle,
    pause: () => pause.call(handle),
    start: () => start.call(handle),
    databaseUri: () => withDatabase(handle.uri, `fault_${randomBytes(5).toString('hex')}`),
  };
}

export async function openConnection(uri: string): Promise<Connection> {
  return mongoose.createConnection(uri).asPromise();
}

export interface GqlAnswer<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gqlRaw<T = Record<string, unknown>>(
  url: string,
  auth: string,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<GqlAnswer<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: auth.includes(' ') ? auth : `Bearer ${auth}`,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, ...((await response.json()) as Omit<GqlAnswer<T>, 'status'>) };
}

/** The data of an operation; throws with the errors when there are any. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  auth: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const answer = await gqlRaw<T>(url, auth, query, variables);
  if (answer.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
  return answer.data as T;
}

/** Company, install, credentials, verify, sync group (and extra groups), "Save changes". */
export async function activateConnector(
  url: string,
  jwt: string,
  tenant: SeededTenant,
  options: { syncedGroupIds?: string[] } = {},
): Promise<{ connectorId: string; companyId: string; connectorToken: string }> {
  const { createCompany } = await gql<{ createCompany: { id: string } }>(
    url,
    jwt,
    'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    { n: `Company ${tenant.tenantId.slice(0, 8)}` },
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
  const { verifyConnection } = await gql<{ verifyConnection: { verified: boolean } }>(
    url,
    jwt,
    'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified error { code message } } }',
    { id: connectorId },
  );
  if (!verifyConnection.verified) throw new Error('verification failed');
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Measured outcomes of a fault test (never asserted on time: benchmarks do that), kept in
 * .cache/reliability/<name>.json for docs/reliability.md.
 */
export async function recordOutcome(name: string, figures: Record<string, unknown>): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const { projectRoot } = await import('../../src/config.js');
  const dir = path.join(projectRoot(), '.cache', 'reliability');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, `${name}.json`),
    `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}

export const FINISHED = ['SUCCEEDED', 'PARTIAL', 'NEEDS_APPROVAL', 'FAILED', 'CANCELLED'];

export interface RunRow {
  _id: unknown;
  trigger: string;
  mode: string;
  status: string;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  graphRequests?: number;
  notes?: string[];
  error?: { code: string; message: string } | null;
  counts: Record<string, number>;
}

export interface UserRow {
  entraId: string | null;
  email: string;
  displayName: string;
  status: string;
  connectorId: string | null;
}

/** What a hub process wrote, read through its own MONGODB_URI. */
export interface HubData {
  connection: Connection;
  users(connectorId: string): Promise<UserRow[]>;
  runs(connectorId: string): Promise<RunRow[]>;
  close(): Promise<void>;
}

export async function openHubData(uri: string): Promise<HubData> {
  const connection = await openConnection(uri);
  const db = connection.db!;
  return {
    connection,
    users: async (connectorId) =>
      (await db
        .collection('directory_users')
        .find(
          { connectorId },
          { projection: { entraId: 1, email: 1, displayName: 1, status: 1, connectorId: 1 } },
        )
        .toArray()) as unknown as UserRow[],
    runs: async (connectorId) =>
      (await db
        .collection('sync_runs')
        .find({ connectorId })
        .sort({ requestedAt: 1 })
        .toArray()) as unknown as RunRow[],
    close: () => connection.close(),
  };
}

/** Entra ids of the users in the sync group now, as the emulator holds it. */
export function syncGroupUserIds(
  emulator: { control: { getGroup(t: string, g: string): { memberIds: string[] } } },
  tenant: SeededTenant,
): string[] {
  const users = new Set(tenant.userIds);
  return emulator.control
    .getGroup(tenant.tenantId, tenant.syncGroupId)
    .memberIds.filter((id) => users.has(id));
}

/**
 * The directory matches Entra: one ACTIVE user per sync-group member, nobody else active, no
 * user twice (by Entra id or by email). Returns a description of the differences, '' when none.
 */
export function divergence(users: UserRow[], expectedEntraIds: readonly string[]): string {
  const problems: string[] = [];
  const active = users.filter((u) => u.status === 'ACTIVE').map((u) => String(u.entraId));
  const expected = new Set(expectedEntraIds);
  const missing = [...expected].filter((id) => !active.includes(id));
  const extra = active.filter((id) => !expected.has(id));
  if (missing.length) problems.push(`${missing.length} members not ACTIVE`);
  if (extra.length) problems.push(`${extra.length} ACTIVE users not in the group`);
  const byEntra = new Set(users.map((u) => u.entraId));
  if (byEntra.size !== users.length) problems.push(`${users.length - byEntra.size} duplicate ids`);
  const byEmail = new Set(users.map((u) => u.email.toLowerCase()));
  if (byEmail.size !== users.length)
    problems.push(`${users.length - byEmail.size} duplicate emails`);
  return problems.join(', ');
}

/**
 * Waits until no run of the connector is QUEUED or RUNNING and `problems` finds nothing wrong with
 * its directory users (an empty string); on timeout the error says what was still wrong.
 */
export async function waitDirectory(
  data: HubData,
  connectorId: string,
  problems: (users: UserRow[]) => string,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  let last = '';
  try {
    await waitFor(
      async () => {
        const runs = await data.runs(connectorId);
        if (!runs.every((r) => FINISHED.includes(r.status))) {
          last = 'runs still in progress';
          return false;
        }
        last = problems(await data.users(connectorId));
        return last === '';
      },
      timeoutMs,
      what,
      intervalMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${last}`);
  }
}

/** Waits until no run of the connector is QUEUED or RUNNING and the directory matches Entra. */
export function waitConverged(
  data: HubData,
  connectorId: string,
  expected: () => readonly string[],
  timeoutMs: number,
  what = 'the directory to match Entra',
): Promise<void> {
  return waitDirectory(
    data,
    connectorId,
    (users) => divergence(users, expected()),
    timeoutMs,
    what,
  );
}
