/**
 * From Graph's notification to a delta sync request, through the runtime's own receiver, Agenda
 * jobs and bus (src/runtime/start-hub-runtime.ts), with made-up connectors (FakeRegistry), Graph's
 * subscription endpoints stood in by FakeGraph and the sync requests recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { SyncTrigger } from '../../src/domain/connector.js';
import { GraphSubscriptionsApi } from '../../src/integrations/entra/subscriptions.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { JobName } from '../../src/jobs/job-names.js';
import type { RealtimeJobTiming } from '../../src/jobs/register-jobs.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import { makeChangeNotification, makeSubscription } from '../builders/graph-notifications.js';
import { openTestConnection } from '../helpers/database.js';
import { pendingChanges } from '../helpers/notices.js';
import { FakeGraph } from '../helpers/fake-graph.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { serveRouter } from '../helpers/http.js';
import { captureLogger } from '../helpers/logger.js';
import { FAST_TUNING, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
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

/**
 * The real runtime on the test's database, its connectors those of `registry` and its Graph
 * `graph`; the poll and the reconciliation far away, so every sync request comes from a notice.
 */
function startRuntime(
  connection: Connection,
  registry: FakeRegistry,
  graph: FakeGraph,
  options: { webhooks?: boolean; timing?: Partial<RealtimeJobTiming> } = {},
): Promise<TestRuntime> {
  return startTestRuntime({
    connection,
    registry,
    graphSubscriptions: () => new GraphSubscriptionsApi(graph.client()),
    webhooks: options.webhooks ?? false,
    env: { SYNC_POLL_INTERVAL_MS: '3600000', SYNC_RECONCILE_INTERVAL_MS: String(30 * 86_400_000) },
    tuning: { ...FAST_TUNING, jobs: { ...FAST_TUNING.jobs, ...options.timing } },
  });
}

/** When the receiver acknowledged notifications for `connectorId` (its debug records). */
function acknowledgedAt(rt: TestRuntime, connectorId: string): number[] {
  return rt.logs
    .records()
    .filter(
      (r) =>
        r['msg'] === 'notifications acknowledged' &&
        (r['connectors'] as string[] | undefined)?.includes(connectorId),
    )
    .map((r) => Number(r['time']));
}

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
    const busy = makeSubscription({ connectorId: 'busy' });
    const quiet = makeSubscription({ connectorId: 'quiet' });
    registry.add({ connectorId: 'busy' });
    registry.add({ connectorId: 'quiet' });
    await graphSubscriptionModel(connection).create([busy.record, quiet.record]);
    const rt = await startRuntime(connection, registry, new FakeGraph(), {
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
      const statuses = await postAll(`${rt.url}/webhooks/graph`, bodies, 25);
      expect(statuses.filter((s) => s === 202)).toHaveLength(520);

      const notices = changeNoticeModel(connection);
      await waitFor(
        async () => (await notices.countDocuments()) === 0,
        20_000,
        'all notices processed',
        100,
      );
      const webhookSyncs = (id: string) =>
        rt.syncs.requests.filter((r) => r.connectorId === id && r.trigger === SyncTrigger.WEBHOOK)
          .length;
      expect(webhookSyncs('busy')).toBeGreaterThanOrEqual(1);
      // A sync needs SETTLE_MS without a new notice (or 2 s of them): while the burst lasts, at
      // most one per SETTLE_MS, plus the one after it and one for a job handed over. How long the
      // burst lasted is what the receiver recorded: its first and last acknowledgement.
      const acks = acknowledgedAt(rt, 'busy');
      expect(acks).toHaveLength(500);
      const burstMs = Math.max(...acks) - Math.min(...acks);
      expect(webhookSyncs('busy')).toBeLessThanOrEqual(Math.floor(burstMs / SETTLE_MS) + 2);
      expect(webhookSyncs('busy')).toBeLessThanOrEqual(50);
      expect(webhookSyncs('quiet')).toBeGreaterThanOrEqual(1);
      expect(rt.runtime.webhookStats.accepted).toBe(520);
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
      await rt.stop();
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
    const rt = await startRuntime(connection, registry, new FakeGraph(), {
      timing: { sweepEveryMs: 300, sweepQuietMs: 0 },
    });
    try {
      await waitFor(() => rt.syncs.for('crashy') > 0, 15_000, 'the sweep to request a sync');
      expect(rt.syncs.requests[0]).toMatchObject({
        connectorId: 'crashy',
        trigger: SyncTrigger.WEBHOOK,
      });
      await waitFor(
        async () => (await pendingChanges(connection, 'crashy')).notices === 0,
        5_000,
        'the notice processed',
      );
    } finally {
      await rt.stop();
    }
  });

  it('keeps the notice when requesting the sync fails, and retries it', async () => {
    const sub = makeSubscription({ connectorId: 'flaky' });
    await graphSubscriptionModel(connection).create(sub.record);
    const registry = new FakeRegistry();
    registry.add({ connectorId: 'flaky' });
    const rt = await startRuntime(connection, registry, new FakeGraph(), {
      timing: { sweepEveryMs: 300, sweepQuietMs: 200 },
    });
    rt.syncs.failWith = new Error('sync engine unavailable');
    try {
      await postAll(`${rt.url}/webhooks/graph`, [{ value: [makeChangeNotification(sub)] }], 1);
      await waitFor(() => rt.syncs.for('flaky') >= 2, 15_000, 'a retry after the failure');
      rt.syncs.failWith = undefined;
      await waitFor(
        async () => (await pendingChanges(connection, 'flaky')).notices === 0,
        15_000,
        'the notice processed after recovery',
      );
    } finally {
      await rt.stop();
    }
  });

  it('reauthorizes a subscription when Graph says so, through the lifecycle endpoint', async () => {
    const registry = new FakeRegistry();
    const config = registry.add({ connectorId: 'lifecycle' });
    const graph = new FakeGraph();
    const rt = await startRuntime(connection, registry, graph, { webhooks: true });
    try {
      await rt.runtime.subscriptions.reconcileSubscriptions('lifecycle');
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
      await rt.stop();
    }
  });
});
