/**
 * Revoked credentials stop at once on open graphql-ws sockets: rotating a connector's token,
 * disabling or uninstalling the connector close the sockets opened with it (4403) on every hub
 * instance (two runtimes on one database, live events on the Mongo capped-collection bus), and
 * the next operation on such a socket is refused even where no event arrived. Uninstalled
 * connectors answer NOT_FOUND to every query, their runs included.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import type { Connection } from 'mongoose';
import { LiveTopic, RevocationReason } from '../../src/events/live-events.js';
import { openTestConnection } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { gqlAnswer as gql, wsClient } from '../helpers/graphql.js';
import { companyAdminJwt, partnerJwt } from '../helpers/jwt.js';

let connection: Connection;
let closeDb: () => Promise<void>;
let a: TestRuntime;
let b: TestRuntime;
let partner: string;

beforeAll(async () => {
  ({ connection, close: closeDb } = await openTestConnection());
  const encryptionKeys = `k1:${randomBytes(32).toString('base64')}`;
  a = await startTestRuntime({ connection, webhooks: false, encryptionKeys });
  b = await startTestRuntime({ connection, webhooks: false, encryptionKeys });
  partner = await partnerJwt('partner-revoke');
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await closeDb?.();
});

interface Installed {
  companyId: string;
  connectorId: string;
  token: string;
}

async function install(name: string): Promise<Installed> {
  const company = await gql<{ createCompany: { id: string } }>(
    a.url,
    partner,
    'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    { n: name },
  );
  const companyId = company.data!.createCompany.id;
  const installed = await gql<{
    installConnector: { authenticationToken: string; connector: { id: string } };
  }>(
    a.url,
    partner,
    'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { authenticationToken connector { id } } }',
    { c: companyId },
  );
  const { authenticationToken, connector } = installed.data!.installConnector;
  return { companyId, connectorId: connector.id, token: authenticationToken };
}

interface Socket {
  client: Client;
  closedWith: number | null;
  /** Resolves with the operation's error codes (empty when it succeeded). */
  run(query: string, variables?: Record<string, unknown>): Promise<unknown[]>;
  /** A live subscription; its errors land in `subscriptionErrors`. */
  subscriptionErrors: unknown[];
}

async function open(url: string, authorization: string, connectorId: string): Promise<Socket> {
  let connected = false;
  const socket: Socket = {
    closedWith: null,
    subscriptionErrors: [],
    client: wsClient(url, authorization, {
      connected: () => void (connected = true),
      closed: (event) => void (socket.closedWith = (event as { code: number }).code),
    }),
    run: (query, variables = {}) =>
      new Promise((resolve) => {
        const codes: unknown[] = [];
        socket.client.subscribe(
          { query, variables },
          {
            next: (r) => void codes.push(...(r.errors ?? []).map((e) => e.extensions?.['code'])),
            error: (e) => {
              codes.push(
                Array.isArray(e)
                  ? e.map((x: { extensions?: { code?: unknown } }) => x.extensions?.code)
                  : 'CLOSED',
              );
              resolve(codes.flat());
            },
            complete: () => resolve(codes),
          },
        );
      }),
  };
  await waitFor(() => connected, 5_000, 'the socket to open');
  socket.client.subscribe(
    {
      query: 'subscription($k:ID){ connectorStatusChanged(connectorId:$k) { status } }',
      variables: { k: connectorId },
    },
    {
      next: () => undefined,
      error: (e) => void socket.subscriptionErrors.push(e),
      complete: () => undefined,
    },
  );
  return socket;
}

const READ = 'query($k:ID!){ connector(id:$k) { id status } }';

describe.each([
  [
    'rotateConnectorToken',
    'mutation($k:ID!){ rotateConnectorToken(connectorId:$k) { authenticationToken } }',
  ],
  [
    'setConnectorEnabled(false)',
    'mutation($k:ID!){ setConnectorEnabled(connectorId:$k, enabled:false) { id } }',
  ],
  ['uninstallConnector', 'mutation($k:ID!){ uninstallConnector(connectorId:$k) { id } }'],
])('%s', (name, mutation) => {
  it('closes the sockets opened with the token on both instances (4403)', async () => {
    const c = await install(`Revoke ${name}`);
    const onA = await open(a.url, `Connector ${c.token}`, c.connectorId);
    const onB = await open(b.url, `Connector ${c.token}`, c.connectorId);
    const portalOnB = await open(b.url, `Bearer ${partner}`, c.connectorId);
    expect(await onB.run(READ, { k: c.connectorId })).toEqual([]);

    const done = await gql(a.url, partner, mutation, { k: c.connectorId });
    expect(done.errors).toBeUndefined();
    await waitFor(
      () => onA.closedWith !== null && onB.closedWith !== null,
      10_000,
      'both sockets to close',
    );
    expect([onA.closedWith, onB.closedWith]).toEqual([4403, 4403]);
    // The portal's socket on the same instance is not touched.
    expect(portalOnB.closedWith).toBeNull();
    expect(await portalOnB.run('{ companies { id } }')).toEqual([]);
    // Over HTTP the old token is refused too.
    const http = await gql(b.url, `Connector ${c.token}`, READ, { k: c.connectorId });
    expect(http.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    for (const s of [onA, onB, portalOnB]) await s.client.dispose();
  });
});

describe('without an event', () => {
  it('the next operation on a socket re-checks the credential and closes it (4403)', async () => {
    const c = await install('Recheck');
    const socket = await open(a.url, `Connector ${c.token}`, c.connectorId);
    // A token replaced behind the API's back (no revocation event reaches anyone).
    await connection
      .collection('connectors')
      .updateOne(
        { _id: new (await import('mongoose')).Types.ObjectId(c.connectorId) },
        { $set: { authTokenHash: `replaced:${randomBytes(8).toString('hex')}` } },
      );
    // Operations within the re-check window reuse the check; after it, they are refused.
    const deadline = Date.now() + 20_000;
    let codes: unknown[] = [];
    while (socket.closedWith === null && Date.now() < deadline) {
      codes = await socket.run(READ, { k: c.connectorId });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(socket.closedWith).toBe(4403);
    expect(codes.length).toBeGreaterThan(0);
    await socket.client.dispose();
  });
});

describe('removing a company', () => {
  it("closes its admins' and its connector's sockets; partner sockets stay", async () => {
    const c = await install('Removed company');
    const companyAdmin = await companyAdminJwt(c.companyId);
    const adminSocket = await open(b.url, `Bearer ${companyAdmin}`, c.connectorId);
    const tokenSocket = await open(b.url, `Connector ${c.token}`, c.connectorId);
    const partnerSocket = await open(b.url, `Bearer ${partner}`, c.connectorId);
    // The hub has no company removal of its own yet: whatever removes one publishes this.
    await a.runtime.live.publish(LiveTopic.CREDENTIAL_REVOKED, {
      companyId: c.companyId,
      connectorId: '',
      reason: RevocationReason.COMPANY_REMOVED,
    });
    await waitFor(
      () => adminSocket.closedWith !== null && tokenSocket.closedWith !== null,
      10_000,
      'the company sockets to close',
    );
    expect([adminSocket.closedWith, tokenSocket.closedWith, partnerSocket.closedWith]).toEqual([
      4403,
      4403,
      null,
    ]);
    for (const s of [adminSocket, tokenSocket, partnerSocket]) await s.client.dispose();
  });
});

describe('uninstalled connectors are invisible', () => {
  it('connector, connectors and synchronizeNow answer NOT_FOUND (runs: connectorScope)', async () => {
    const c = await install('Invisible');
    await gql(a.url, partner, 'mutation($k:ID!){ uninstallConnector(connectorId:$k) { id } }', {
      k: c.connectorId,
    });
    for (const query of [READ, 'mutation($k:ID!){ synchronizeNow(connectorId:$k) { runId } }']) {
      const result = await gql(a.url, partner, query, { k: c.connectorId });
      expect([query, result.errors?.[0]?.extensions?.['code']]).toEqual([query, 'NOT_FOUND']);
    }
    const list = await gql<{ connectors: { nodes: { id: string }[] } }>(
      a.url,
      partner,
      '{ connectors { nodes { id } } }',
    );
    expect(list.data!.connectors.nodes.map((x) => x.id)).not.toContain(c.connectorId);
  });
});
