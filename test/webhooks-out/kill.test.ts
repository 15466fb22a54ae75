/**
 * SIGKILL, no goodbye, while the hub syncs and delivers. After a restart on the same database:
 * the feed replays into exactly the directory (nothing a dead run staged is lost or shown
 * twice), and every feed entry reaches the receiver, verified, in order per user; what was sent
 * twice carries the same webhook-id.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { outboundModels } from '../../src/db/models/outbound-models.js';
import { syncModels } from '../../src/db/models/sync-models.js';
import { InMemoryLiveEvents } from '../../src/events/live-events.js';
import { ChangeFeed } from '../../src/feed/change-feed.js';
import { seedTestTenant, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { captureLogger } from '../helpers/logger.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { openHubData, type HubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { comparable, directoryModelOf, readFeed, replay } from '../feed/feed-model.js';
import { recordOutcome, syncGroupUserIds, waitConverged } from '../reliability/support.js';
import { startReceiver, type Received, type TestReceiver } from './receiver.js';
import { FAST_WEBHOOKS } from './support.js';

describe('SIGKILL during sync and delivery', () => {
  let emulator: RunningEmulator;
  let receiver: TestReceiver;
  let hub: HubProcess;
  let data: HubData;
  const outcome: Record<string, unknown> = {};

  beforeAll(async () => {
    emulator = await startTestEmulator({
      notificationRetryBaseMs: 500,
      notificationRetryWindowMs: 120_000,
    });
    receiver = await startReceiver();
    // Slow enough that the kill lands in the middle of the deliveries.
    receiver.answer = () => ({ status: 204, delayMs: 15 });
    hub = await startHubProcess({
      emulator,
      env: {
        ...FAST_WEBHOOKS,
        WEBHOOK_LEASE_TTL_MS: '3000',
        WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2',
        SYNC_POLL_INTERVAL_MS: '5000',
      },
    });
    data = await openHubData(hub.env['MONGODB_URI']!);
  });
  afterAll(async () => {
    await hub?.kill();
    await data?.close();
    if (hub) await dropHubDatabase(hub.env);
    await receiver?.stop();
    await emulator?.stop();
    await recordOutcome('webhooks-kill', outcome);
  });

  it('loses nothing: the feed matches the directory and every entry is delivered', async () => {
    const tenant = await seedTestTenant(emulator, {
      users: 1_200,
      groups: 2,
      syncGroupMembers: 700,
    });
    const jwt = await partnerJwt('partner-webhooks-kill');
    // Slow Graph down so the first kill lands inside the initial sync (the feed's outbox).
    emulator.control.setFaults(tenant.tenantId, { latencyMs: 300 });
    const { companyId, connectorId } = await activateConnector(hub.url, jwt, tenant, {
      syncedGroupIds: tenant.groupIds,
    });
    const created = await gql<{
      createWebhookEndpoint: { endpoint: { id: string }; secret: string };
    }>(
      hub.url,
      jwt,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret } }',
      { i: { companyId, url: receiver.url } },
    );
    receiver.secrets.push(created.createWebhookEndpoint.secret);
    // From the start of the feed, whatever the sync wrote before the endpoint existed.
    await gql(
      hub.url,
      jwt,
      'mutation($e: ID!) { replayWebhookDeliveries(endpointId: $e) { id } }',
      {
        e: created.createWebhookEndpoint.endpoint.id,
      },
    );
    await waitFor(() => receiver.received.length >= 40, 60_000, 'the first deliveries');
    await sleep(300);
    await kill();
    emulator.control.clearFaults(tenant.tenantId);
    hub = await startHubProcess({ emulator, env: hub.env });
    await waitFor(() => receiver.received.length >= 300, 120_000, 'deliveries after the restart');
    await kill();
    hub = await startHubProcess({ emulator, env: hub.env });

    const models = { ...syncModels(data.connection), ...outboundModels(data.connection) };
    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 180_000);
    const feed = new ChangeFeed({
      models,
      live: new InMemoryLiveEvents(),
      logger: captureLogger('fatal').logger,
    });
    const ids = async () =>
      (await readFeed(feed, companyId, 500)).map((r) => `msg_${companyId}_${r.seq}`);
    await waitFor(
      async () => {
        const delivered = new Set(
          receiver.received.filter((e) => e.status === 204).map((e) => e.webhookId),
        );
        return (await ids()).every((id) => delivered.has(id));
      },
      180_000,
      'every feed entry delivered after the kills',
    );
    const records = await readFeed(feed, companyId, 500);
    expect(comparable(replay(records))).toEqual(await directoryModelOf(models, companyId));
    expect(receiver.rejected).toBe(0);
    const directory = receiver.received.filter((e) => e.type.startsWith('directory.'));
    const feedIds = new Set(await ids());
    expect(directory.every((e) => feedIds.has(e.webhookId))).toBe(true);
    expectOrderedPerKey(directory);
    const staged = await models.FeedEntry.countDocuments({ dropped: true });
    outcome['feedEntries'] = records.length;
    outcome['droppedAfterRecovery'] = staged;
    outcome['received'] = receiver.received.length;
    // Measured, not asserted: where the kills landed, and what the next runs had to resolve.
    outcome['kills'] = kills;
    outcome['stagedEntriesResolved'] = [...logs, ...hub.records()]
      .filter((r) => r['msg'] === 'feed entries a stopped run left staged were resolved')
      .map((r) => ({ pending: r['pending'], dropped: r['dropped'] }));
    outcome['duplicates'] =
      receiver.received.length - new Set(receiver.received.map((e) => e.webhookId)).size;
  }, 420_000);

  const kills: { runningRuns: number; received: number }[] = [];
  const logs: Record<string, unknown>[] = [];
  async function kill(): Promise<void> {
    const running = await data.connection
      .db!.collection('sync_runs')
      .countDocuments({ status: 'RUNNING' });
    const exit = await hub.kill();
    expect(exit.signal).toBe('SIGKILL');
    kills.push({ runningRuns: running, received: receiver.received.length });
    logs.push(...hub.records());
  }
});

/** Per user or group: nothing arrives before the previous event of that key got its 2xx. */
function expectOrderedPerKey(received: readonly Received[]) {
  const settled = new Map<string, number>();
  for (const e of received) {
    const key = `${e.type.split('.')[1]}:${String(e.data['entraId'])}`;
    const seq = Number(e.webhookId.split('_').pop());
    expect([key, seq >= (settled.get(key) ?? 0)]).toEqual([key, true]);
    if (e.status === 204) settled.set(key, Math.max(settled.get(key) ?? 0, seq));
  }
}
