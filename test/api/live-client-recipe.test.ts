/**
 * The live-events client recipe of docs/api.md (docs/examples/live-events.ts, embedded by
 * `npm run docs`) against a real hub: a JWT that expires while connected (the hub closes with
 * 4401, fatal for graphql-ws) is replaced on the next connect, the screen refetches, and events
 * keep arriving; a refused credential (4403) stops it and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { LiveTopic, type InMemoryLiveEvents } from '../../src/events/live-events.js';
import { watchConnectorStatus, type StatusChange } from '../../docs/examples/live-events.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { createCompany, installConnector, ok } from '../helpers/connector-api.js';

describe('docs/api.md live-events client recipe', () => {
  let h: TestHub;
  let partner: string;
  let connectorId: string;
  beforeAll(async () => {
    h = await startTestHub();
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-recipe' });
    const companyId = await createCompany(h, partner, 'Recipe');
    connectorId = (await installConnector(h, partner, companyId)).connector.id;
  });
  afterAll(() => h?.stop());

  const subscribers = () =>
    (h.infra.live as InMemoryLiveEvents).subscriberCount(LiveTopic.CONNECTOR_STATUS_CHANGED);

  it('gets a fresh token after 4401, refetches, and keeps receiving events', async () => {
    const tokens: string[] = [];
    const changes: StatusChange[] = [];
    let refetches = 0;
    let refused = false;
    const stop = watchConnectorStatus({
      url: `${h.server.url.replace(/^http/, 'ws')}/graphql`,
      // Each token lives 2 s: the hub closes the socket with 4401 when it expires.
      getToken: async () => {
        const token = await h.jwt(
          { role: 'PARTNER_ADMIN', partnerId: 'p-recipe' },
          { expiresIn: '2s' },
        );
        tokens.push(token);
        return token;
      },
      onChange: (change) => changes.push(change),
      refetch: () => void (refetches += 1),
      onRefused: () => void (refused = true),
      keepAliveMs: 500,
      webSocketImpl: WebSocket,
    });
    try {
      await waitFor(() => refetches >= 1 && subscribers() > 0, 15_000, 'a reconnect after 4401');
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect(new Set(tokens).size).toBe(tokens.length);
      await ok(
        h.gql(
          partner,
          'mutation($id: ID!) { setConnectorEnabled(connectorId: $id, enabled: false) { status } }',
          { id: connectorId },
        ),
      );
      const disabled = await waitFor(
        () => changes.find((c) => c.connectorId === connectorId && c.status === 'DISABLED'),
        10_000,
        'the DISABLED event on the renewed subscription',
      );
      expect(disabled).toMatchObject({ statusReasonCode: null, statusReason: null });
      expect(refused).toBe(false);
    } finally {
      stop();
    }
  }, 30_000);

  it('stops at a refused credential (4403) and says so', async () => {
    let refused = false;
    let asked = 0;
    const stop = watchConnectorStatus({
      url: `${h.server.url.replace(/^http/, 'ws')}/graphql`,
      getToken: () => {
        asked += 1;
        return Promise.resolve('not-a-jwt');
      },
      onChange: () => undefined,
      refetch: () => undefined,
      onRefused: () => void (refused = true),
      webSocketImpl: WebSocket,
    });
    try {
      await waitFor(() => refused, 10_000, 'onRefused');
      expect(asked).toBe(1);
    } finally {
      stop();
    }
  });
});
