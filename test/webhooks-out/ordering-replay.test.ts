/**
 * Delivery semantics on a feed with many changes per user: ordered per user under a flaky
 * receiver, replay from a cursor with the same webhook ids, secret rotation, 410 and a
 * persistent failure disabling the endpoint, and the test event.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createCompany } from '../helpers/connector-api.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { writeUserChanges } from './feed-writes.js';
import { startReceiver, type Received, type TestReceiver } from './receiver.js';
import { FAST_WEBHOOKS } from './support.js';

let h: TestHub | null = null;
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await h?.stop();
  h = null;
  for (const r of receivers.splice(0)) await r.stop();
});

async function setup(env: Record<string, string> = {}) {
  h = await startTestHub({ env: { ...FAST_WEBHOOKS, ...env } });
  const jwt = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-order' });
  const companyId = await createCompany(h, jwt, 'Order');
  const hub = h;
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const result = await hub.gql<T>(jwt, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!;
  };
  const endpoint = async (eventTypes?: string[]) => {
    const r = await startReceiver();
    receivers.push(r);
    const { createWebhookEndpoint } = await gql<{
      createWebhookEndpoint: { endpoint: { id: string }; secret: string };
    }>(
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret } }',
      { i: { companyId, url: r.url, ...(eventTypes ? { eventTypes } : {}) } },
    );
    r.secrets.push(createWebhookEndpoint.secret);
    return { r, id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
  };
  hub.api.outbound.start();
  return { hub, companyId, gql, endpoint };
}

const seqOf = (e: Received) => Number(e.webhookId.split('_').pop());
const delivered = (r: TestReceiver) =>
  new Set(r.received.filter((e) => e.status === 204).map((e) => e.webhookId));

/** No event of a user reaches the receiver before the previous one of that user got a 2xx. */
function expectOrderedPerUser(received: readonly Received[]) {
  const byUser = new Map<string, Received[]>();
  for (const e of received) {
    const key = String(e.data['entraId']);
    byUser.set(key, [...(byUser.get(key) ?? []), e]);
  }
  for (const events of byUser.values()) {
    let settled = 0;
    for (const e of events) {
      expect(seqOf(e)).toBeGreaterThanOrEqual(settled);
      if (e.status === 204) settled = Math.max(settled, seqOf(e));
    }
  }
}

describe('delivery order, replay and endpoint health', () => {
  it('keeps each user in order while the receiver fails a third of the requests', async () => {
    const { hub, companyId, endpoint } = await setup();
    const { r } = await endpoint();
    let n = 0;
    // Deterministic: every third request fails, whatever it carries.
    r.answer = () => (++n % 3 === 0 ? 500 : 204);
    await writeUserChanges(hub.infra.feed, companyId, 600, 15);
    await waitFor(() => delivered(r).size >= 600, 60_000, 'all 600 changes delivered');
    expectOrderedPerUser(r.received);
    for (const events of groupBy(r.received.filter((e) => e.status === 204))) {
      const seqs = events.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    // Every retry repeated an id that had failed before: at least once, never a lost event.
    const failedIds = new Set(r.received.filter((e) => e.status === 500).map((e) => e.webhookId));
    expect([...failedIds].every((id) => delivered(r).has(id))).toBe(true);
  }, 90_000);

  it('replays from a cursor with the same webhook ids', async () => {
    const { hub, companyId, endpoint, gql } = await setup();
    const { r, id } = await endpoint();
    await writeUserChanges(hub.infra.feed, companyId, 50, 5);
    await waitFor(() => delivered(r).size >= 50, 20_000, 'the first delivery');
    const { directoryChanges } = await gql<{
      directoryChanges: {
        edges: { cursor: string; node: { type: string; cursor: string } }[];
        nodes: { cursor: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
        totalCount: number;
      };
    }>(
      `query($c: ID!) { directoryChanges(companyId: $c, first: 20) {
        edges { cursor node { type cursor } } nodes { cursor } pageInfo { hasNextPage endCursor } totalCount
      } }`,
      {
        c: companyId,
      },
    );
    // The feed's page is a Relay connection like every list: 50 entries in all, 20 on this page.
    expect(directoryChanges.totalCount).toBe(50);
    expect(directoryChanges.nodes.map((n) => n.cursor)).toEqual(
      directoryChanges.edges.map((e) => e.cursor),
    );
    expect(directoryChanges.pageInfo).toEqual({
      hasNextPage: true,
      endCursor: directoryChanges.edges[19]!.cursor,
    });
    const from = directoryChanges.edges[19]!.cursor;
    const mark = r.received.length;
    await gql(
      'mutation($e: ID!, $f: String) { replayWebhookDeliveries(endpointId: $e, fromCursor: $f) { id cursor } }',
      {
        e: id,
        f: from,
      },
    );
    await waitFor(() => r.received.length - mark >= 30, 20_000, 'the replay');
    const replayed = r.received.slice(mark).map(seqOf);
    expect(new Set(replayed)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => 21 + i)));
    expectOrderedPerUser(r.received.slice(mark));
    const bad = await hub.gql(
      await hub.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-order' }),
      'mutation($e: ID!) { replayWebhookDeliveries(endpointId: $e, fromCursor: "nope") { id } }',
      { e: id },
    );
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  }, 60_000);

  it('signs with the old and the new secret during the grace period, then the new only', async () => {
    const { hub, companyId, endpoint, gql } = await setup();
    const { r, id, secret } = await endpoint();
    const rotate = (grace: number) =>
      gql<{ rotateWebhookEndpointSecret: { secret: string } }>(
        'mutation($e: ID!, $g: Int) { rotateWebhookEndpointSecret(endpointId: $e, graceHours: $g) { secret } }',
        { e: id, g: grace },
      );
    const second = (await rotate(1)).rotateWebhookEndpointSecret.secret;
    r.secrets.splice(0, r.secrets.length, secret, second);
    await writeUserChanges(hub.infra.feed, companyId, 3, 3);
    await waitFor(() => delivered(r).size >= 3, 20_000, 'events during the grace period');
    expect(r.received.map((e) => e.verifiedWith)).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(r.received[0]!.signature.split(' ')).toHaveLength(2);
    const third = (await rotate(0)).rotateWebhookEndpointSecret.secret;
    r.secrets.push(third);
    r.received.length = 0;
    await writeUserChanges(hub.infra.feed, companyId, 3, 3);
    await waitFor(() => delivered(r).size >= 3, 20_000, 'events after a rotation without grace');
    expect(r.received.map((e) => e.verifiedWith)).toEqual([[2], [2], [2]]);
  }, 60_000);

  it("a 410 disables the endpoint and tells the company's other endpoints", async () => {
    const { hub, companyId, endpoint, gql } = await setup();
    const gone = await endpoint();
    const watcher = await endpoint(['webhook.endpoint_disabled', 'directory.user.updated']);
    gone.r.answer = () => 410;
    await writeUserChanges(hub.infra.feed, companyId, 5, 5);
    const disabled = () => watcher.r.received.find((e) => e.type === 'webhook.endpoint_disabled');
    await waitFor(disabled, 20_000, 'webhook.endpoint_disabled');
    expect(disabled()).toMatchObject({
      type: 'webhook.endpoint_disabled',
      data: { endpointId: gone.id, reason: expect.stringContaining('410') },
    });
    const { webhookEndpoints } = await gql<{
      webhookEndpoints: {
        edges: { node: { id: string; enabled: boolean; disabledReason: string } }[];
      };
    }>(
      'query($c: ID!) { webhookEndpoints(companyId: $c) { edges { node { id enabled disabledReason } } } }',
      {
        c: companyId,
      },
    );
    const node = webhookEndpoints.edges.find((e) => e.node.id === gone.id)!.node;
    expect(node.enabled).toBe(false);
    // Disabled: later changes go to the other endpoint, not to it.
    const seen = gone.r.received.length;
    await writeUserChanges(hub.infra.feed, companyId, 5, 5);
    await waitFor(() => delivered(watcher.r).size >= 11, 20_000, 'the later changes elsewhere');
    expect(gone.r.received.length).toBe(seen);
  }, 60_000);

  it('persistent failure past the retry window disables the endpoint', async () => {
    const { hub, companyId, endpoint } = await setup({ WEBHOOK_RETRY_WINDOW_MS: '1500' });
    const down = await endpoint();
    down.r.answer = () => 503;
    await writeUserChanges(hub.infra.feed, companyId, 3, 3);
    const doc = await waitFor(
      async () => {
        const ep = await hub.infra.models.WebhookEndpoint.findById(down.id).lean();
        return ep && !ep.enabled ? ep : null;
      },
      30_000,
      'the endpoint disabled',
    );
    expect(doc.disabledReason).toMatch(/retry window/);
    expect(down.r.received.length).toBeGreaterThan(1);
    expect(new Set(down.r.received.map((e) => e.webhookId)).size).toBeLessThanOrEqual(3);
  }, 60_000);

  it('sends a signed test event on demand and lists it among the deliveries', async () => {
    const { endpoint, gql } = await setup();
    const { r, id } = await endpoint();
    const { sendTestWebhook } = await gql<{
      sendTestWebhook: { ok: boolean; status: number; webhookId: string };
    }>('mutation($e: ID!) { sendTestWebhook(endpointId: $e) { ok status webhookId latencyMs } }', {
      e: id,
    });
    expect(sendTestWebhook).toMatchObject({ ok: true, status: 204 });
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({
      type: 'webhook.test',
      webhookId: sendTestWebhook.webhookId,
    });
    expect(r.received[0]!.verifiedWith).toEqual([0]);
    const { webhookDeliveries } = await gql<{
      webhookDeliveries: {
        edges: { node: { webhookId: string } }[];
        nodes: { webhookId: string }[];
        totalCount: number;
      };
    }>(
      'query($e: ID!) { webhookDeliveries(endpointId: $e) { edges { node { webhookId ok } } nodes { webhookId } totalCount } }',
      { e: id },
    );
    expect(webhookDeliveries.edges.map((e) => e.node.webhookId)).toEqual([
      sendTestWebhook.webhookId,
    ]);
    expect(webhookDeliveries.nodes.map((n) => n.webhookId)).toEqual([sendTestWebhook.webhookId]);
    expect(webhookDeliveries.totalCount).toBe(1);
  }, 30_000);
});

function groupBy(events: readonly Received[]): Received[][] {
  const map = new Map<string, Received[]>();
  for (const e of events) {
    const key = String(e.data['entraId']);
    map.set(key, [...(map.get(key) ?? []), e]);
  }
  return [...map.values()];
}
