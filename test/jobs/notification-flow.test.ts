import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { SyncTrigger } from '../../src/domain/connector.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { JobName } from '../../src/jobs/job-names.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import { makeChangeNotification, makeSubscription } from '../builders/graph-notifications.js';
import { openTestConnection } from '../helpers/database.js';
import { pendingChanges } from '../helpers/notices.js';
import { FakeGraph } from '../helpers/fake-graph.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { serveRouter } from '../helpers/http.js';
import { captureLogger } from '../helpers/logger.js';
import { startStack, type Stack } from '../helpers/realtime-stack.js';
import { RecordingSyncRequester } from '../helpers/recording-sync.js';
import { waitFor } from '../helpers/wait.js';

async function postAll(url: string, bodies: unknown[], concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

const SETTLE_MS = 300;

describe('from notification to delta sync through Agenda', () => {
  let connection: Connection;
  let closeDb: () => Promise<void>;
  const logs = captureLogger('info');

  // A database per test: recurring jobs are single documents that keep their schedule.
  beforeEach(async () => {
    ({ connection, close: closeDb } = await openTestConnection());
  });
  afterEach(async () => closeDb?.());

  it('coalesces a burst of 500 notifications into a few delta syncs per connector', async () => {
    const registry = new FakeRegistry();
    const syncRequester = new RecordingSyncRequester();
    const busy = makeSubscription({ connectorId: 'busy' });
    const quiet = makeSubscription({ connectorId: 'quiet' });
    registry.add({ connectorId: 'busy' });
    registry.add({ connectorId: 'quiet' });
    await graphSubscriptionModel(connection).create([busy.record, quiet.record]);
    const stack = await startStack({
      connection,
      instanceName: 'burst',
      registry,
      syncRequester,
      graph: new FakeGraph(),
      logger: logs.logger,
      webhooks: true,
      timing: { settleMs: SETTLE_MS, maxSettleMs: 2_000 },
    });
    try {
      // Every recurring job is scheduled, with a number of milliseconds (Agenda 6 silently
      // never runs a job whose interval string it cannot parse).
      const recurring = await connection
        .db!.collection(AGENDA_COLLECTION)
        .find({ type: 'single' })
        .toArray();
      expect(recurring.map((j) => j['name'] as string).sort()).toEqual(
        [
          JobName.POLL_CONNECTORS,
          JobName.RECONCILE_CONNECTORS,
          JobName.RENEW_SUBSCRIPTIONS,
          JobName.RUN_RETENTION,
          JobName.SECRET_EXPIRY_WARNINGS,
          JobName.SWEEP_CHANGE_NOTICES,
        ].sort(),
      );
      expect(recurring.every((j) => typeof j['repeatInterval'] === 'number')).toBe(true);

      const bodies = [
        ...Array.from({ length: 500 }, () => ({ value: [makeChangeNotification(busy)] })),
        ...Array.from({ length: 20 }, () => ({ value: [makeChangeNotification(quiet)] })),
      ].sort(() => Math.random() - 0.5);
      const burstStarted = Date.now();
      const statuses = await postAll(`${stack.baseUrl}/webhooks/graph`, bodies, 25);
      const burstMs = Date.now() - burstStarted;
      expect(statuses.filter((s) => s === 202)).toHaveLength(520);

      const notices = changeNoticeModel(connection);
      await waitFor(
        async () => (await notices.countDocuments()) === 0,
        20_000,
        'all notices processed',
        100,
      );
      const webhookSyncs = (id: string) =>
        syncRequester.requests.filter(
          (r) => r.connectorId === id && r.trigger === SyncTrigger.WEBHOOK,
        ).length;
      expect(webhookSyncs('busy')).toBeGreaterThanOrEqual(1);
      // A sync needs SETTLE_MS without a new notice (or 2 s of them): while the burst lasts,
      // at most one per SETTLE_MS, plus the one after it and one for a job handed over. A slow
      // machine stretches the burst, so the bound follows the measured duration.
      expect(webhookSyncs('busy')).toBeLessThanOrEqual(Math.floor(burstMs / SETTLE_MS) + 2);
      expect(webhookSyncs('busy')).toBeLessThanOrEqual(50);
      expect(webhookSyncs('quiet')).toBeGreaterThanOrEqual(1);
      expect(stack.stats.accepted).toBe(520);
      process.stdout.write(
        `[bench] burst of 500 notifications -> ${webhookSyncs('busy')} delta sync request(s)\n`,
      );
      // One-off jobs remove themselves once done: nothing piles up in the jobs collection.
      await waitFor(
        async () =>
          (await connection.db!.collection(AGENDA_COLLECTION).countDocuments({
            name: JobName.PROCESS_CONNECTOR_NOTIFICATIONS,
          })) === 0,
        10_000,
        'one-off jobs removed',
      );
    } finally {
      await stack.stop();
    }
  });

  it('processes a notice written before a crash, in a fresh instance', async () => {
    const sub = makeSubscription({ connectorId: 'crashy' });
    await graphSubscriptionModel(connection).create(sub.record);
    // Instance 1 persists and acknowledges, then "dies" before it can hand the work to Agenda.
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler: {
        connectorChanged: () => Promise.reject(new Error('process killed')),
        subscriptionsNeedAttention: () => Promise.reject(new Error('process killed')),
      },
      logger: logs.logger,
      maxBodyBytes: 65_536,
    });
    const server = await serveRouter(receiver.router);
    const [status] = await postAll(
      `${server.baseUrl}/webhooks/graph`,
      [{ value: [makeChangeNotification(sub)] }],
      1,
    );
    await server.close();
    expect(status).toBe(202);
    expect((await pendingChanges(connection, 'crashy')).notices).toBe(1);

    // Instance 2 starts from nothing but the database.
    const registry = new FakeRegistry();
    registry.add({ connectorId: 'crashy' });
    const syncRequester = new RecordingSyncRequester();
    const stack: Stack = await startStack({
      connection,
      instanceName: 'fresh',
      registry,
      syncRequester,
      graph: new FakeGraph(),
      logger: logs.logger,
      timing: { sweepEveryMs: 300, sweepQuietMs: 0 },
    });
    try {
      await waitFor(() => syncRequester.for('crashy') > 0, 15_000, 'the sweep to request a sync');
      expect(syncRequester.requests[0]).toMatchObject({
        connectorId: 'crashy',
        trigger: SyncTrigger.WEBHOOK,
      });
      await waitFor(
        async () => (await pendingChanges(connection, 'crashy')).notices === 0,
        5_000,
        'the notice processed',
      );
    } finally {
      await stack.stop();
    }
  });

  it('keeps the notice when requesting the sync fails, and retries it', async () => {
    const sub = makeSubscription({ connectorId: 'flaky' });
    await graphSubscriptionModel(connection).create(sub.record);
    const registry = new FakeRegistry();
    registry.add({ connectorId: 'flaky' });
    const syncRequester = new RecordingSyncRequester();
    syncRequester.failWith = new Error('sync engine unavailable');
    const stack = await startStack({
      connection,
      instanceName: 'flaky',
      registry,
      syncRequester,
      graph: new FakeGraph(),
      logger: logs.logger,
      webhooks: true,
      timing: { sweepEveryMs: 300, sweepQuietMs: 200 },
    });
    try {
      await postAll(
        `${stack.baseUrl}/webhooks/graph`,
        [{ value: [makeChangeNotification(sub)] }],
        1,
      );
      await waitFor(() => syncRequester.for('flaky') >= 2, 15_000, 'a retry after the failure');
      syncRequester.failWith = undefined;
      await waitFor(
        async () => (await pendingChanges(connection, 'flaky')).notices === 0,
        15_000,
        'the notice processed after recovery',
      );
    } finally {
      await stack.stop();
    }
  });

  it('reauthorizes a subscription when Graph says so, through the lifecycle endpoint', async () => {
    const registry = new FakeRegistry();
    const config = registry.add({ connectorId: 'lifecycle' });
    const graph = new FakeGraph();
    const stack = await startStack({
      connection,
      instanceName: 'lifecycle',
      registry,
      syncRequester: new RecordingSyncRequester(),
      graph,
      logger: logs.logger,
      webhooks: true,
    });
    try {
      await stack.subscriptions.reconcileSubscriptions('lifecycle');
      const users = [...graph.subscriptions.values()].find((s) => s.resource === '/users')!;
      const res = await graph.deliverLifecycle(
        users.id,
        config.tenantId,
        'reauthorizationRequired',
      );
      expect(res.status).toBe(202);
      await waitFor(
        () => graph.calls.some((c) => c.operation === 'reauthorize' && c.id === users.id),
        10_000,
        'the reauthorize call',
      );
      const stored = graphSubscriptionModel(connection);
      await waitFor(
        async () => (await stored.findById(users.id).lean())?.reauthorizationRequestedAt === null,
        5_000,
        'the flag cleared',
      );
    } finally {
      await stack.stop();
    }
  });
});
