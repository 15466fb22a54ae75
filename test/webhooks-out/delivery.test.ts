/**
 * Outbound webhooks end to end: a real sync against the emulator writes the feed, the hub signs
 * and delivers each change to a real receiver, which verifies it with the standardwebhooks
 * library's own verifier.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { waitFor } from '../helpers/wait.js';
import { readFeed } from '../feed/feed-model.js';
import { startReceiver, type TestReceiver } from './receiver.js';
import { arrivalsByKey, startWebhookHub, type WebhookHub } from './support.js';

let hub: WebhookHub | null = null;
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await hub?.stop();
  hub = null;
  for (const r of receivers.splice(0)) await r.stop();
});

async function receiver(): Promise<TestReceiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const firstArrivals = (r: TestReceiver) => new Set(r.received.map((e) => e.webhookId)).size;

describe('outbound webhooks', () => {
  it('delivers every change of a sync, signed and verified, in order per user', async () => {
    hub = await startWebhookHub();
    const r = await receiver();
    const { secret } = await hub.createEndpoint(r.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    r.secrets.push(secret);
    await hub.h.sync(SyncTrigger.INITIAL);
    const feed = await readFeed(hub.h.t.infra.feed, hub.h.companyId);
    expect(feed.length).toBeGreaterThan(20);
    await waitFor(() => firstArrivals(r) > feed.length, 20_000, 'every feed entry delivered');
    expect(r.rejected).toBe(0);
    expect(r.received.every((e) => e.verifiedWith.length === 1)).toBe(true);
    const directory = r.received.filter((e) => e.type.startsWith('directory.'));
    expect(new Set(directory.map((e) => e.webhookId))).toEqual(
      new Set(feed.map((f) => `msg_${hub!.h.companyId}_${f.seq}`)),
    );
    // The connector became CONNECTED: an operator event, outside the feed.
    expect(r.received.filter((e) => !e.type.startsWith('directory.')).map((e) => e.type)).toEqual([
      'connector.status_changed',
    ]);
    for (const positions of arrivalsByKey(r.received).values()) {
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    const created = r.received.find((e) => e.type === 'directory.user.created')!;
    const payload = JSON.parse(created.body) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(created.data).toMatchObject({
      companyId: hub.h.companyId,
      connectorId: hub.h.connectorId,
      userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      entraId: expect.any(String),
      after: { status: 'ACTIVE' },
    });
    expect(created.body).not.toContain(secret);
  }, 90_000);

  it('retries a failed event with the same webhook-id; its user waits, the others do not', async () => {
    hub = await startWebhookHub();
    const r = await receiver();
    const { secret } = await hub.createEndpoint(r.url);
    r.secrets.push(secret);
    await hub.h.sync(SyncTrigger.INITIAL);
    const total = (await readFeed(hub.h.t.infra.feed, hub.h.companyId)).length;
    await waitFor(() => firstArrivals(r) > total, 20_000, 'the initial sync delivered');

    const control = hub.h.t.emulator!.control;
    const users = await hub.h.users();
    const [victim, other] = [users[0]!, users[1]!];
    const mark = r.received.length;
    let failures = 0;
    r.answer = (event) => (event.data['entraId'] === victim.entraId && failures++ < 2 ? 503 : 204);
    control.updateUser(hub.h.tenant.tenantId, victim.entraId!, { displayName: 'First' });
    control.updateUser(hub.h.tenant.tenantId, other.entraId!, { displayName: 'Other' });
    await hub.h.sync(SyncTrigger.POLL);
    control.updateUser(hub.h.tenant.tenantId, victim.entraId!, { displayName: 'Second' });
    await hub.h.sync(SyncTrigger.POLL);
    const ofVictim = () =>
      r.received.slice(mark).filter((e) => e.data['entraId'] === victim.entraId);
    await waitFor(() => ofVictim().length >= 4, 20_000, 'the retries, then the second change');
    const ids = ofVictim().map((e) => e.webhookId);
    // The first change three times (two failures), then the second one, never before it.
    expect(ids.slice(0, 3)).toEqual([ids[0], ids[0], ids[0]]);
    expect(ids[3]).not.toBe(ids[0]);
    expect(
      ofVictim().map((e) => (e.data['after'] as { displayName?: string }).displayName),
    ).toEqual(['First', 'First', 'First', 'Second']);
    expect(r.received.slice(mark).some((e) => e.data['entraId'] === other.entraId)).toBe(true);

    const endpointId = (await hub.h.t.infra.models.WebhookEndpoint.findOne().lean())!._id;
    const { webhookDeliveries } = await hub.gql<{
      webhookDeliveries: {
        edges: { node: { webhookId: string; ok: boolean; status: number } }[];
        pageInfo: { hasNextPage: boolean };
      };
    }>(
      'query($e:ID!){ webhookDeliveries(endpointId:$e, first: 500) { edges { node { webhookId ok status attempt nextRetryAt } } pageInfo { hasNextPage } } }',
      { e: endpointId.toHexString() },
    );
    const failed = webhookDeliveries.edges.filter((e) => e.node.webhookId === ids[0]);
    expect(failed.map((e) => [e.node.ok, e.node.status])).toEqual([
      [true, 204],
      [false, 503],
      [false, 503],
    ]);
    // totalCount spans every page: a page of two says how many attempts the log keeps in all.
    expect(webhookDeliveries.pageInfo.hasNextPage).toBe(false);
    const { webhookDeliveries: two } = await hub.gql<{
      webhookDeliveries: {
        nodes: unknown[];
        pageInfo: { hasNextPage: boolean };
        totalCount: number;
      };
    }>(
      'query($e:ID!){ webhookDeliveries(endpointId:$e, first: 2) { nodes { webhookId } pageInfo { hasNextPage } totalCount } }',
      { e: endpointId.toHexString() },
    );
    expect(two.nodes).toHaveLength(2);
    expect(two.pageInfo.hasNextPage).toBe(true);
    expect(two.totalCount).toBe(webhookDeliveries.edges.length);
  }, 90_000);
});
