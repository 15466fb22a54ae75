/**
 * Tenant isolation over HTTP and graphql-ws: company admins, partner admins and connector tokens
 * each see exactly their scope; anything outside it is NOT_FOUND, indistinguishable from an id
 * that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client as WsClient } from 'graphql-ws';
import { Types } from 'mongoose';
import { wsClient } from '../helpers/graphql.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import {
  createCompany,
  failure,
  installConnector,
  ok,
  record,
  STATUS_SUBSCRIPTION,
  type StatusEvent,
} from '../helpers/connector-api.js';

const GUID = '11111111-2222-3333-4444-555555555555';

/** Every connector operation, with arguments that would pass validation. */
const OPERATIONS: { name: string; query: string; extra?: Record<string, unknown> }[] = [
  { name: 'connector', query: 'query($id:ID!){ connector(id:$id) { id } }' },
  {
    name: 'entraGroups',
    query: 'query($id:ID!){ entraGroups(connectorId:$id) { edges { node { id } } } }',
  },
  {
    name: 'setConnectorCredentials',
    query: `mutation($id:ID!){ setConnectorCredentials(input:{connectorId:$id, tenantId:"${GUID}",
      clientId:"${GUID}", clientSecret:"abcDEF~123"}) { id } }`,
  },
  {
    name: 'verifyConnection',
    query: 'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }',
  },
  {
    name: 'selectSyncGroup',
    query: `mutation($id:ID!){ selectSyncGroup(connectorId:$id, groupId:"${GUID}") { id } }`,
  },
  {
    name: 'setSyncedGroups',
    query: 'mutation($id:ID!){ setSyncedGroups(connectorId:$id, groupIds:[]) { id } }',
  },
  {
    name: 'updateSyncRules',
    query:
      'mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{includeGuests:true}) { id } }',
  },
  {
    name: 'activateConnector',
    query: 'mutation($id:ID!){ activateConnector(connectorId:$id) { id } }',
  },
  {
    name: 'synchronizeNow',
    query: 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
  },
  {
    name: 'setConnectorEnabled',
    query: 'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
  },
  {
    name: 'rotateConnectorToken',
    query: 'mutation($id:ID!){ rotateConnectorToken(connectorId:$id) { authenticationToken } }',
  },
  {
    name: 'uninstallConnector',
    query: 'mutation($id:ID!){ uninstallConnector(connectorId:$id) { id } }',
  },
];

describe('tenant isolation', () => {
  let h: TestHub;
  let partner1: string;
  let partner2: string;
  let adminA1: string;
  let companyA1: string;
  let companyA2: string;
  let companyB1: string;
  const connectors: Record<'a1' | 'a2' | 'b1', { id: string; token: string }> = {} as never;

  beforeAll(async () => {
    h = await startTestHub();
    partner1 = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-1' });
    partner2 = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-2' });
    companyA1 = await createCompany(h, partner1, 'A1');
    companyA2 = await createCompany(h, partner1, 'A2');
    companyB1 = await createCompany(h, partner2, 'B1');
    adminA1 = await h.jwt({ role: 'COMPANY_ADMIN', companyId: companyA1 });
    for (const [key, companyId, jwt] of [
      ['a1', companyA1, adminA1],
      ['a2', companyA2, partner1],
      ['b1', companyB1, partner2],
    ] as const) {
      const installed = await installConnector(h, jwt, companyId);
      connectors[key] = { id: installed.connector.id, token: installed.authenticationToken };
    }
  });
  afterAll(() => h?.stop());

  /** The error as a client sees it, without the path (which names the operation). */
  async function errorOf(jwt: string, query: string, id: string) {
    const { code, message, extensions } = await failure(h.gql(jwt, query, { id }));
    return { code, message, extensions };
  }

  it('a company admin gets NOT_FOUND for another company connector, exactly as for none', async () => {
    const nonexistent = new Types.ObjectId().toHexString();
    for (const target of [connectors.a2.id, connectors.b1.id]) {
      const before = await h.infra.models.Connector.findById(target).lean();
      for (const op of OPERATIONS) {
        const foreign = await errorOf(adminA1, op.query, target);
        expect({ op: op.name, ...foreign }).toEqual({
          op: op.name,
          code: 'NOT_FOUND',
          message: 'Connector not found',
          extensions: { code: 'NOT_FOUND' },
        });
        expect(await errorOf(adminA1, op.query, nonexistent)).toEqual(foreign);
        expect(await errorOf(adminA1, op.query, 'not-an-id')).toEqual(foreign);
      }
      // Nothing changed, not even the update timestamp.
      expect(await h.infra.models.Connector.findById(target).lean()).toEqual(before);
    }
    expect(h.syncRequests).toEqual([]);
    expect(h.releasedConnectors).toEqual([]);

    // Lists and installs outside the company.
    const list = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(adminA1, '{ connectors { nodes { id } } }'),
    );
    expect(list.connectors.nodes.map((c) => c.id)).toEqual([connectors.a1.id]);
    const foreignList = await ok<{ connectors: { nodes: unknown[] } }>(
      h.gql(adminA1, 'query($c:ID){ connectors(companyId:$c) { nodes { id } } }', { c: companyA2 }),
    );
    expect(foreignList.connectors.nodes).toEqual([]);
    const install = await failure(
      h.gql(
        adminA1,
        'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"x"}) { authenticationToken } }',
        {
          c: companyB1,
        },
      ),
    );
    expect(install).toMatchObject({ code: 'NOT_FOUND', message: 'Company not found' });
    const companies = await ok<{ companies: { id: string }[] }>(
      h.gql(adminA1, '{ companies { id } }'),
    );
    expect(companies.companies.map((c) => c.id)).toEqual([companyA1]);
    const create = await failure(
      h.gql(adminA1, 'mutation{ createCompany(input:{name:"x"}) { id } }'),
    );
    expect(create.code).toBe('FORBIDDEN');
  });

  it("partner admins see only their companies' connectors, filterable by status", async () => {
    const all = await ok<{ connectors: { nodes: { id: string; companyId: string }[] } }>(
      h.gql(partner1, '{ connectors { nodes { id companyId } } }'),
    );
    expect(all.connectors.nodes.map((c) => c.id).sort()).toEqual(
      [connectors.a1.id, connectors.a2.id].sort(),
    );
    const b = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(partner2, '{ connectors { nodes { id } } }'),
    );
    expect(b.connectors.nodes.map((c) => c.id)).toEqual([connectors.b1.id]);
    expect(await errorOf(partner2, OPERATIONS[0]!.query, connectors.a1.id)).toMatchObject({
      code: 'NOT_FOUND',
    });

    // Disable A2 (partner 1) and B1 (partner 2): the DISABLED filter spans companies, per partner.
    const disable =
      'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { status } }';
    await ok(h.gql(partner1, disable, { id: connectors.a2.id }));
    await ok(h.gql(partner2, disable, { id: connectors.b1.id }));
    const disabled = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(partner1, '{ connectors(status: DISABLED) { nodes { id } } }'),
    );
    expect(disabled.connectors.nodes.map((c) => c.id)).toEqual([connectors.a2.id]);
    const inCompany = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(partner1, 'query($c:ID){ connectors(companyId:$c) { nodes { id } } }', {
        c: companyA1,
      }),
    );
    expect(inCompany.connectors.nodes.map((c) => c.id)).toEqual([connectors.a1.id]);
    const enable =
      'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:true) { status } }';
    await ok(h.gql(partner1, enable, { id: connectors.a2.id }));
    await ok(h.gql(partner2, enable, { id: connectors.b1.id }));

    // A partner cannot create a company under another partner.
    const create = await failure(
      h.gql(partner1, 'mutation{ createCompany(input:{name:"x", partnerId:"partner-2"}) { id } }'),
    );
    expect(create).toMatchObject({ code: 'NOT_FOUND', message: 'Partner not found' });
  });

  it('a connector token reads its own connector and may ask for a sync, nothing else', async () => {
    const own = `Connector ${connectors.a1.token}`;
    const read = await ok<{ connector: { id: string } }>(
      h.gql(own, 'query($id:ID!){ connector(id:$id) { id clientSecretHint } }', {
        id: connectors.a1.id,
      }),
    );
    expect(read.connector.id).toBe(connectors.a1.id);
    // synchronizeNow is allowed: it fails only because the connector is not saved yet.
    const sync = await errorOf(
      own,
      'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
      connectors.a1.id,
    );
    expect(sync).toMatchObject({
      code: 'CONFLICT',
      message: 'Save the connector before synchronizing',
    });

    for (const op of OPERATIONS.filter((o) => !['connector', 'synchronizeNow'].includes(o.name))) {
      const denied = await errorOf(own, op.query, connectors.a1.id);
      expect({ op: op.name, code: denied.code }).toEqual({ op: op.name, code: 'FORBIDDEN' });
    }
    for (const query of ['{ connectors { nodes { id } } }', '{ companies { id } }']) {
      expect((await failure(h.gql(own, query))).code).toBe('FORBIDDEN');
    }
    // Another connector, even of the same company admin's partner: NOT_FOUND.
    for (const name of ['connector', 'synchronizeNow']) {
      const op = OPERATIONS.find((o) => o.name === name)!;
      expect((await errorOf(own, op.query, connectors.a2.id)).code).toBe('NOT_FOUND');
    }

    // Rotation: the old token stops working at once, the new one works.
    const rotated = await ok<{ rotateConnectorToken: { authenticationToken: string } }>(
      h.gql(adminA1, OPERATIONS.find((o) => o.name === 'rotateConnectorToken')!.query, {
        id: connectors.a1.id,
      }),
    );
    const newToken = rotated.rotateConnectorToken.authenticationToken;
    expect(newToken).not.toBe(connectors.a1.token);
    const old = await failure(
      h.gql(own, 'query($id:ID!){ connector(id:$id) { id } }', { id: connectors.a1.id }),
    );
    expect(old.code).toBe('UNAUTHENTICATED');
    await ok(
      h.gql(`Connector ${newToken}`, 'query($id:ID!){ connector(id:$id) { id } }', {
        id: connectors.a1.id,
      }),
    );
    connectors.a1.token = newToken;
  });

  it('subscriptions: foreign ids are NOT_FOUND, and events stay in scope', async () => {
    const ws = h.ws(adminA1);
    for (const variables of [
      { connectorId: connectors.a2.id },
      { connectorId: connectors.b1.id },
      { companyId: companyA2 },
      { companyId: companyB1 },
    ]) {
      const denied = await record<StatusEvent>(
        h,
        ws,
        STATUS_SUBSCRIPTION,
        variables,
        'connectorStatusChanged',
      );
      await waitFor(() => denied.errors.length > 0, 5_000, 'the subscription error');
      expect(JSON.stringify(denied.errors)).toContain('NOT_FOUND');
      expect(denied.events).toEqual([]);
    }

    const mine = await record<StatusEvent>(
      h,
      ws,
      STATUS_SUBSCRIPTION,
      {},
      'connectorStatusChanged',
    );
    const partnerB = await record<StatusEvent>(
      h,
      h.ws(partner2),
      STATUS_SUBSCRIPTION,
      {},
      'connectorStatusChanged',
    );
    const token = await record<StatusEvent>(
      h,
      h.ws(`Connector ${connectors.a1.token}`),
      STATUS_SUBSCRIPTION,
      { connectorId: connectors.a1.id },
      'connectorStatusChanged',
    );
    const toggle = (jwt: string, id: string, enabled: boolean) =>
      ok(
        h.gql(
          jwt,
          'mutation($id:ID!,$e:Boolean!){ setConnectorEnabled(connectorId:$id, enabled:$e) { id } }',
          {
            id,
            e: enabled,
          },
        ),
      );
    await toggle(partner1, connectors.a2.id, false);
    await toggle(partner2, connectors.b1.id, false);
    await toggle(adminA1, connectors.a1.id, false);
    await mine.next((e) => e.connectorId === connectors.a1.id, 'A1 disabled');
    await partnerB.next((e) => e.connectorId === connectors.b1.id, 'B1 disabled');
    // Disabling revokes the connector's token: its socket is closed (4403), having seen at most
    // its own connector's event.
    await waitFor(() => token.errors.length > 0, 10_000, 'A1 token socket closed');
    expect(token.errors).toEqual([expect.objectContaining({ code: 4403 })]);
    expect(mine.events.map((e) => e.connectorId)).toEqual([connectors.a1.id]);
    expect(partnerB.events.map((e) => e.connectorId)).toEqual([connectors.b1.id]);
    expect(token.events.every((e) => e.connectorId === connectors.a1.id)).toBe(true);
    for (const r of [mine, partnerB, token]) r.stop();
  });

  it('WebSocket connection_init: missing, forged and expired credentials are refused', async () => {
    const expired = await h.jwt(
      { role: 'COMPANY_ADMIN', companyId: companyA1 },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    const forged = await h.jwt(
      { role: 'COMPANY_ADMIN', companyId: companyA1 },
      { secret: 'not-the-hub-secret-not-the-hub-secret-000' },
    );
    for (const params of <Record<string, string>[]>[
      {},
      { authorization: `Bearer ${expired}` },
      { authorization: `Bearer ${forged}` },
      { authorization: 'Connector ehct_not-a-real-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
    ]) {
      const closed = await connectAndWaitClose(params);
      expect({ params, code: closed.code }).toEqual({ params, code: 4403 });
    }

    // A session that expires while connected is closed then (4401), not before.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await h.jwt(
      { role: 'COMPANY_ADMIN', companyId: companyA1 },
      { expiresIn: exp },
    );
    const closed = await connectAndWaitClose({ authorization: `Bearer ${shortLived}` }, true);
    // Admitted first (a refusal at connection_init would be 4403 with no ack), closed later...
    expect(closed.seen).toEqual(['connected', 'closed 4401']);
    // ...once the token's exp had passed (a timer may fire a millisecond early).
    expect(closed.closedAt).toBeGreaterThanOrEqual(exp * 1000 - 5);
  });

  /**
   * Connects with the given connection_init payload and resolves with the close event, what the
   * client saw in order (`connected`, `closed <code>`) and when it saw the close.
   */
  function connectAndWaitClose(
    connectionParams: Record<string, string>,
    subscribe = false,
  ): Promise<{ code: number; reason: string; seen: string[]; closedAt: number }> {
    return new Promise((resolve, reject) => {
      const seen: string[] = [];
      const timer = setTimeout(() => reject(new Error('socket not closed')), 8_000);
      const client: WsClient = wsClient(
        h.server.url,
        null,
        {
          closed: (event) => {
            clearTimeout(timer);
            const { code, reason } = event as { code: number; reason: string };
            seen.push(`closed ${code}`);
            Promise.resolve(client.dispose()).catch(() => undefined);
            resolve({ code, reason, seen, closedAt: Date.now() });
          },
          connected: () => {
            seen.push('connected');
            if (subscribe) {
              client.subscribe(
                { query: STATUS_SUBSCRIPTION, variables: {} },
                { next: () => undefined, error: () => undefined, complete: () => undefined },
              );
            }
          },
        },
        connectionParams,
      );
    });
  }
});
