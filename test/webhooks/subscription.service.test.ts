import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import {
  graphSubscriptionModel,
  type GraphSubscriptionModel,
} from '../../src/db/models/graph-subscription.model.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { GraphSubscriptionsApi } from '../../src/integrations/entra/subscriptions.js';
import { createGraphSubscriptionService } from '../../src/webhooks/create-graph-subscription-service.js';
import type { GraphSubscriptionService } from '../../src/webhooks/graph-subscription.service.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import { openTestConnection } from '../helpers/database.js';
import { pendingChanges } from '../helpers/notices.js';
import { FakeGraph } from '../helpers/fake-graph.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { serveRouter } from '../helpers/http.js';
import { captureLogger } from '../helpers/logger.js';
import { RecordingScheduler } from '../helpers/recording-scheduler.js';

const GROUP_A = 'aaaaaaaa-0000-0000-0000-00000000000a';
const GROUP_B = 'bbbbbbbb-0000-0000-0000-00000000000b';
const DAY = 86_400_000;

describe('GraphSubscriptionService against a Graph that validates the real receiver', () => {
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let server: Awaited<ReturnType<typeof serveRouter>>;
  let graph: FakeGraph;
  let registry: FakeRegistry;
  let scheduler: RecordingScheduler;
  let stored: GraphSubscriptionModel;
  let clock: number;
  const logs = captureLogger();

  /** `null`: no PUBLIC_BASE_URL. The clock is the test's, moved to simulate time passing. */
  const service = (publicBaseUrl: string | null = server.baseUrl): GraphSubscriptionService =>
    createGraphSubscriptionService({
      connection,
      registry,
      graphFor: () => new GraphSubscriptionsApi(graph.client()),
      publicBaseUrl: publicBaseUrl ?? undefined,
      lifetimeMinutes: 41_000,
      scheduler,
      logger: logs.logger,
      now: () => new Date(clock),
    });

  beforeAll(async () => {
    ({ connection, close: closeDb } = await openTestConnection());
    stored = graphSubscriptionModel(connection);
    scheduler = new RecordingScheduler();
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      logger: logs.logger,
      maxBodyBytes: 64 * 1024,
    });
    server = await serveRouter(receiver.router);
  });
  afterAll(async () => {
    await server?.close();
    await closeDb?.();
  });
  beforeEach(async () => {
    await stored.deleteMany({});
    await changeNoticeModel(connection).deleteMany({});
    graph = new FakeGraph();
    registry = new FakeRegistry();
    scheduler.changed = [];
    clock = Date.now();
  });

  it('subscribes to /users and each group, after Graph validated both URLs', async () => {
    registry.add({ connectorId: 'c1', syncGroupId: GROUP_A, syncedGroupIds: [GROUP_B, GROUP_A] });
    const result = await service().reconcileSubscriptions('c1');

    expect(result).toMatchObject({ created: 3, failed: 0, mode: 'WEBHOOKS' });
    const atGraph = [...graph.subscriptions.values()];
    expect(atGraph.map((s) => s.resource).sort()).toEqual(
      ['/groups/' + GROUP_A, '/groups/' + GROUP_B, '/users'].sort(),
    );
    for (const sub of atGraph) {
      expect(sub.notificationUrl).toBe(`${server.baseUrl}/webhooks/graph`);
      expect(sub.lifecycleNotificationUrl).toBe(`${server.baseUrl}/webhooks/graph/lifecycle`);
      expect(sub.changeType).toBe('updated,deleted');
      expect(sub.clientState.length).toBeLessThanOrEqual(128);
    }
    expect(new Set(atGraph.map((s) => s.clientState)).size).toBe(3);
    // Stored: hashes only, never the clientState itself.
    const docs = await stored.find({ connectorId: 'c1' }).lean();
    expect(docs).toHaveLength(3);
    for (const doc of docs) {
      expect(JSON.stringify(doc)).not.toContain(graph.subscriptions.get(doc._id)!.clientState);
      expect(doc.renewAfter.getTime()).toBeLessThan(doc.expiresAt.getTime());
    }
    expect(logs.text()).not.toContain(atGraph[0]!.clientState);
    // A delta sync covers whatever changed before the subscriptions existed.
    expect(scheduler.changed).toEqual(['c1']);
  });

  it('accepts a notification Graph delivers with the clientState it was given', async () => {
    registry.add({ connectorId: 'c2' });
    await service().reconcileSubscriptions('c2');
    const users = [...graph.subscriptions.values()].find((s) => s.resource === '/users')!;
    await changeNoticeModel(connection).deleteMany({});
    const res = await graph.deliver(users.id, registry.configs.get('c2')!.tenantId);
    expect(res.status).toBe(202);
    expect(await pendingChanges(connection, 'c2')).toMatchObject({ notices: 1, count: 1 });
  });

  it('does nothing when everything is current', async () => {
    registry.add({ connectorId: 'c3' });
    const svc = service();
    await svc.reconcileSubscriptions('c3');
    graph.calls.length = 0;
    const again = await svc.reconcileSubscriptions('c3');
    expect(again).toMatchObject({ created: 0, renewed: 0, deleted: 0, failed: 0 });
    expect(graph.calls).toEqual([]);
  });

  it('renews once less than a quarter of the lifetime is left, and recreates on 404', async () => {
    registry.add({ connectorId: 'c4' });
    const svc = service();
    await svc.reconcileSubscriptions('c4');
    const before = await stored.find({ connectorId: 'c4' }).lean();

    clock += 10 * DAY; // about a third of 28.5 days gone: not yet
    expect(await svc.connectorIdsNeedingMaintenance()).toEqual([]);
    expect((await svc.reconcileSubscriptions('c4')).renewed).toBe(0);

    clock += 12 * DAY; // 22 of 28.5 days gone: under a quarter left
    expect(await svc.connectorIdsNeedingMaintenance()).toEqual(['c4']);
    const users = before.find((d) => d.resource === '/users')!;
    graph.forget(users._id); // Graph lost this one meanwhile
    const result = await svc.reconcileSubscriptions('c4');
    expect(result).toMatchObject({ renewed: 1, created: 1, failed: 0, mode: 'WEBHOOKS' });
    const after = await stored.find({ connectorId: 'c4' }).lean();
    expect(after.find((d) => d.resource === '/users')!._id).not.toBe(users._id);
    const group = after.find((d) => d.resource !== '/users')!;
    expect(group.renewAfter.getTime()).toBeGreaterThan(clock);
  });

  it('recreates an expired subscription and a removed one, and reauthorizes a flagged one', async () => {
    registry.add({ connectorId: 'c5', syncedGroupIds: [GROUP_B] });
    const svc = service();
    await svc.reconcileSubscriptions('c5');
    const docs = await stored.find({ connectorId: 'c5' }).sort({ resource: 1 }).lean();
    const [groupA, groupB, users] = docs;
    await stored.updateOne({ _id: groupA!._id }, { $set: { removedAt: new Date(clock) } });
    await stored.updateOne({ _id: groupB!._id }, { $set: { expiresAt: new Date(clock - 1) } });
    await stored.updateOne(
      { _id: users!._id },
      { $set: { reauthorizationRequestedAt: new Date(clock) } },
    );
    graph.calls.length = 0;

    const result = await svc.reconcileSubscriptions('c5');
    expect(result).toMatchObject({ created: 2, reauthorized: 1, failed: 0 });
    expect(graph.calls).toContainEqual({ operation: 'reauthorize', id: users!._id });
    expect((await stored.findById(users!._id).lean())?.reauthorizationRequestedAt).toBeNull();
    expect(await stored.countDocuments({ connectorId: 'c5' })).toBe(3);
  });

  it('follows a change of the selected groups', async () => {
    registry.add({ connectorId: 'c6', syncedGroupIds: [GROUP_B] });
    const svc = service();
    await svc.reconcileSubscriptions('c6');
    registry.add({ connectorId: 'c6', syncedGroupIds: [GROUP_A] });
    const result = await svc.reconcileSubscriptions('c6');
    expect(result).toMatchObject({ created: 1, deleted: 1 });
    const resources = (await stored.find({ connectorId: 'c6' }).lean()).map((d) => d.resource);
    expect(resources.sort()).toEqual(
      ['/groups/' + GROUP_A, '/groups/aaaaaaaa-0000-0000-0000-000000000001', '/users'].sort(),
    );
    expect([...graph.subscriptions.values()].map((s) => s.resource)).not.toContain(
      '/groups/' + GROUP_B,
    );
  });

  it('runs on polling alone without PUBLIC_BASE_URL, tearing down what exists', async () => {
    registry.add({ connectorId: 'c7' });
    await service().reconcileSubscriptions('c7');
    const polling = service(null);
    expect(polling.webhooksEnabled).toBe(false);
    const result = await polling.reconcileSubscriptions('c7');
    expect(result).toMatchObject({ mode: 'POLLING_ONLY', deleted: 2 });
    expect(graph.subscriptions.size).toBe(0);
    expect((await polling.getRealtimeStatus('c7')).mode).toBe('POLLING_ONLY');
  });

  it('removes everything on uninstall, at Graph and locally', async () => {
    const config = registry.add({ connectorId: 'c8' });
    const svc = service();
    await svc.reconcileSubscriptions('c8');
    registry.configs.delete('c8'); // uninstalled: the registry no longer returns it
    expect(await svc.removeSubscriptions('c8', config)).toBe(2);
    expect(graph.subscriptions.size).toBe(0);
    expect(await stored.countDocuments({ connectorId: 'c8' })).toBe(0);
  });

  it('reports an upstream refusal without creating anything, and stays on polling', async () => {
    registry.add({ connectorId: 'c9' });
    graph.failNext('create', 403, 'Authorization_RequestDenied');
    const result = await service().reconcileSubscriptions('c9');
    expect(result).toMatchObject({
      created: 0,
      failed: 1,
      errorCode: ErrorCode.UPSTREAM_UNAUTHORIZED,
      mode: 'POLLING_ONLY',
    });
  });

  it('fails creation when the receiver does not answer the handshake', async () => {
    registry.add({ connectorId: 'c10' });
    const result = await service(`${server.baseUrl}/nowhere`).reconcileSubscriptions('c10');
    expect(result.created).toBe(0);
    expect(result.errorCode).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(await stored.countDocuments({ connectorId: 'c10' })).toBe(0);
  });
});
