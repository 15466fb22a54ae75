import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { StartEmulatorOptions } from '../../src/emulator/index.js';
import {
  createGraphClient,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { NotificationReceiver } from '../helpers/notification-receiver.js';

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

interface Notification {
  subscriptionId: string;
  subscriptionExpirationDateTime: string;
  clientState: string | null;
  changeType: string;
  resource: string;
  tenantId: string;
  resourceData: Record<string, unknown>;
  lifecycleEvent?: string;
}

/** graph-facts §6: delivery of change notifications and lifecycle events. */
describe('Graph: change notification delivery', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let graph: Client;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    emulator = await startTestEmulator({ notificationBatchWindowMs: 50 });
    tenant = await seedTestTenant(emulator, { users: 20, groups: 2, syncGroupMembers: 5 });
    graph = createGraphClient(emulator, tenant);
  });
  beforeEach(async () => {
    receiver = await new NotificationReceiver().start();
  });
  afterEach(async () => {
    for (const s of ((await graph.api('/subscriptions').get()) as { value: Array<{ id: string }> })
      .value) {
      await graph.api(`/subscriptions/${s.id}`).delete();
    }
    await emulator.control.waitForNotifications();
    await receiver.stop();
  });
  afterAll(() => emulator.stop());

  const subscribe = (resource: string, extra: Record<string, unknown> = {}) =>
    graph.api('/subscriptions').post({
      changeType: 'updated,deleted',
      notificationUrl: receiver.url(),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
      resource,
      expirationDateTime: minutes(120),
      clientState: 'state-123',
      ...extra,
    }) as Promise<{ id: string }>;

  it('a user change arrives as updated on Users/{id}, with clientState and without resource data', async () => {
    const sub = await subscribe('/users');
    const userId = tenant.userIds[0]!;
    emulator.control.updateUser(tenant.tenantId, userId, { jobTitle: 'Changed' });
    const [notification] = (await receiver.waitForNotifications(
      1,
      '/notifications',
    )) as unknown as Notification[];
    expect(notification).toEqual({
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: expect.any(String) as unknown,
      clientState: 'state-123',
      changeType: 'updated',
      resource: `Users/${userId}`,
      tenantId: tenant.tenantId,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.User',
        '@odata.id': `Users/${userId}`,
        id: userId,
        organizationId: tenant.tenantId,
      },
    });
    expect(Object.keys(notification!.resourceData)).not.toContain('jobTitle');
  });

  it('soft delete arrives as updated, hard delete as deleted', async () => {
    await subscribe('/users');
    const [soft, hard] = tenant.userIds.slice(1, 3) as [string, string];
    emulator.control.softDeleteUser(tenant.tenantId, soft);
    emulator.control.hardDeleteUser(tenant.tenantId, hard);
    const received = (await receiver.waitForNotifications(
      2,
      '/notifications',
    )) as unknown as Notification[];
    expect(received.find((n) => n.resourceData['id'] === soft)?.changeType).toBe('updated');
    expect(received.find((n) => n.resourceData['id'] === hard)?.changeType).toBe('deleted');
    emulator.control.restoreUser(tenant.tenantId, soft);
  });

  it('only the subscribed changeTypes are delivered', async () => {
    await subscribe('/users', { changeType: 'deleted' });
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[4]!, { jobTitle: 'Ignored' });
    emulator.control.hardDeleteUser(tenant.tenantId, tenant.userIds[5]!);
    const received = (await receiver.waitForNotifications(
      1,
      '/notifications',
    )) as unknown as Notification[];
    await emulator.control.waitForNotifications();
    expect(received.map((n) => n.changeType)).toEqual(['deleted']);
  });

  it('a membership change arrives as updated on the group (for /groups/{id}/members and /groups)', async () => {
    const members = await subscribe(`/groups/${tenant.syncGroupId}/members`);
    const groups = await subscribe('/groups');
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [tenant.userIds[10]!]);
    const received = (await receiver.waitForNotifications(
      2,
      '/notifications',
    )) as unknown as Notification[];
    expect(received.map((n) => n.subscriptionId).sort()).toEqual([members.id, groups.id].sort());
    for (const n of received) {
      expect(n).toMatchObject({ changeType: 'updated', resource: `Groups/${tenant.syncGroupId}` });
      expect(n.resourceData['@odata.type']).toBe('#Microsoft.Graph.Group');
    }
  });

  it('/users/{id} and /groups/{id} only hear about that object; members subscriptions ignore renames', async () => {
    await subscribe(`/users/${tenant.userIds[6]}`);
    await subscribe(`/groups/${tenant.syncGroupId}/members`);
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[7]!, { jobTitle: 'Other user' });
    emulator.control.updateGroup(tenant.tenantId, tenant.syncGroupId, {
      description: 'renamed, not a membership change',
    });
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[6]!, { jobTitle: 'Watched user' });
    const received = (await receiver.waitForNotifications(
      1,
      '/notifications',
    )) as unknown as Notification[];
    await emulator.control.waitForNotifications();
    expect(received.map((n) => n.resource)).toEqual([`Users/${tenant.userIds[6]}`]);
  });

  it('batches notifications of several subscriptions into one POST within the window', async () => {
    await subscribe('/users');
    await subscribe('/groups');
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[8]!, { jobTitle: 'A' });
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[9]!, { jobTitle: 'B' });
    emulator.control.updateGroup(tenant.tenantId, tenant.groupIds[0]!, { description: 'C' });
    await receiver.waitForNotifications(3, '/notifications');
    const posts = receiver.posts.filter((p) => p.path === '/notifications');
    expect(posts).toHaveLength(1);
    expect(new Set(posts[0]!.body.value.map((n) => n['subscriptionId'])).size).toBe(2);
  });

  it('retries with backoff when the receiver fails, and measures delivery latency', async () => {
    await subscribe('/users');
    receiver.failNext = 2;
    const before = emulator.control.counters().notifications;
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[11]!, { jobTitle: 'Retry me' });
    await emulator.control.waitForNotifications();
    const posts = receiver.posts.filter((p) => p.path === '/notifications');
    expect(posts).toHaveLength(3);
    expect(posts[2]!.receivedAt - posts[1]!.receivedAt).toBeGreaterThan(
      posts[1]!.receivedAt - posts[0]!.receivedAt,
    );
    const after = emulator.control.counters().notifications;
    expect(after.delivered - before.delivered).toBe(1);
    expect(after.failed - before.failed).toBe(2);
    expect(after.latency.count).toBeGreaterThan(0);
    expect(after.latency.medianMs).toBeGreaterThanOrEqual(50);
    expect(after.latency.p95Ms).toBeGreaterThanOrEqual(after.latency.medianMs!);
  });

  it('treats an answer slower than the delivery timeout as a failure and retries', async () => {
    await subscribe('/users');
    receiver.delayMs = 1_200;
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[12]!, { jobTitle: 'Slow' });
    await receiver.waitForNotifications(1, '/notifications');
    receiver.delayMs = 0;
    await emulator.control.waitForNotifications();
    expect(receiver.posts.filter((p) => p.path === '/notifications').length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('gives up after the retry window, counts the loss and sends a missed lifecycle event', async () => {
    const sub = await subscribe('/users');
    receiver.status = 500;
    const before = emulator.control.counters().notifications.dropped;
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[13]!, { jobTitle: 'Lost' });
    const lifecycle = (await receiver.waitForNotifications(
      1,
      '/lifecycle',
      15_000,
    )) as unknown as Notification[];
    expect(lifecycle[0]).toEqual({
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: expect.any(String) as unknown,
      tenantId: tenant.tenantId,
      clientState: 'state-123',
      lifecycleEvent: 'missed',
    });
    expect(emulator.control.counters().notifications.dropped - before).toBe(1);
  });

  it('sends reauthorizationRequired on demand; reauthorize clears it', async () => {
    const sub = await subscribe('/users');
    emulator.control.sendLifecycleEvent(sub.id, 'reauthorizationRequired');
    const [event] = (await receiver.waitForNotifications(
      1,
      '/lifecycle',
    )) as unknown as Notification[];
    expect(event).toMatchObject({
      subscriptionId: sub.id,
      lifecycleEvent: 'reauthorizationRequired',
      clientState: 'state-123',
    });
    expect(emulator.control.listSubscriptions(tenant.tenantId)[0]?.reauthorizationRequired).toBe(
      true,
    );
    await graph.api(`/subscriptions/${sub.id}/reauthorize`).post({});
    expect(emulator.control.listSubscriptions(tenant.tenantId)[0]?.reauthorizationRequired).toBe(
      false,
    );
  });

  it('pauses delivery when reauthorization is not done within the grace period', () =>
    isolated({ reauthorizationGraceMs: 60_000 }, { minutes: 600, lifecycle: true }, async (env) => {
      env.emulator.control.sendLifecycleEvent(env.subscriptionId, 'reauthorizationRequired');
      env.emulator.control.advanceClock(61_000);
      env.change(0, 'Not delivered');
      await env.emulator.control.waitForNotifications();
      expect(env.receiver.notifications('/notifications')).toHaveLength(0);
      await env.client.api(`/subscriptions/${env.subscriptionId}/reauthorize`).post({});
      env.change(0, 'Delivered');
      await env.receiver.waitForNotifications(1, '/notifications');
    }));

  it('stops delivering for expired subscriptions', () =>
    isolated({}, { minutes: 10 }, async (env) => {
      env.emulator.control.advanceClock(11 * 60_000);
      env.change(0, 'Too late');
      await env.emulator.control.waitForNotifications();
      expect(env.receiver.notifications()).toHaveLength(0);
    }));

  it('delays deliveries to an endpoint with over 10% slow answers', () =>
    isolated(
      {
        endpointHealthMinSamples: 8,
        deliveryTimeoutMs: 150,
        notificationRetryBaseMs: 10,
        slowEndpointDelayMs: 500,
      },
      {},
      async (env) => {
        for (let i = 0; i < 7; i++) {
          env.change(i, `change ${i}`);
          await env.emulator.control.waitForNotifications();
        }
        env.receiver.delayMs = 250;
        const slowStarted = Date.now();
        env.change(7, 'slow answer');
        await env.receiver.waitForNotifications(8);
        env.receiver.delayMs = 0;
        await env.emulator.control.waitForNotifications();
        expect(Date.now() - slowStarted).toBeLessThan(2_000);
        const started = Date.now();
        const count = env.receiver.notifications().length;
        env.change(8, 'delayed');
        await env.receiver.waitForNotifications(count + 1);
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      },
    ));

  it('drops for an endpoint with over 15% slow answers, with a missed event, then recovers', () =>
    isolated(
      {
        endpointHealthMinSamples: 5,
        deliveryTimeoutMs: 100,
        notificationRetryBaseMs: 20,
        notificationRetryWindowMs: 100,
        slowEndpointDelayMs: 300,
      },
      { lifecycle: true },
      async (env) => {
        const counters = () => env.emulator.control.counters().notifications;
        env.receiver.delayMs = 200;
        for (let i = 0; i < 6; i++) {
          env.change(i, `slow ${i}`);
          await env.emulator.control.waitForNotifications();
        }
        env.receiver.delayMs = 0;
        const droppedBefore = counters().dropped;
        env.change(0, 'dropped');
        await env.emulator.control.waitForNotifications();
        expect(counters().dropped).toBeGreaterThan(droppedBefore);
        const lifecycle = env.receiver.notifications('/lifecycle');
        expect(lifecycle.some((n) => n['lifecycleEvent'] === 'missed')).toBe(true);
        env.emulator.control.advanceClock(10 * 60_000 + 1);
        const deliveredBefore = counters().delivered;
        env.change(1, 'after the drop period');
        await env.emulator.control.waitForNotifications();
        expect(counters().delivered).toBe(deliveredBefore + 1);
      },
    ));
});

interface IsolatedEnv {
  emulator: RunningEmulator;
  receiver: NotificationReceiver;
  client: Client;
  subscriptionId: string;
  /** Changes the jobTitle of user `i` (of 10). */
  change(i: number, jobTitle: string): void;
}

/** A test with its own emulator (own options and clock), receiver and /users subscription. */
async function isolated(
  options: StartEmulatorOptions,
  subscription: { minutes?: number; lifecycle?: boolean },
  test: (env: IsolatedEnv) => Promise<void>,
): Promise<void> {
  const emulator = await startTestEmulator(options);
  const receiver = await new NotificationReceiver().start();
  try {
    const seeded = await seedTestTenant(emulator, { users: 10, groups: 0 });
    const client = createGraphClient(emulator, seeded, { freshTokens: true });
    const created = (await client.api('/subscriptions').post({
      changeType: 'updated',
      notificationUrl: receiver.url(),
      ...(subscription.lifecycle ? { lifecycleNotificationUrl: receiver.url('/lifecycle') } : {}),
      resource: '/users',
      expirationDateTime: minutes(subscription.minutes ?? 60),
    })) as { id: string };
    await test({
      emulator,
      receiver,
      client,
      subscriptionId: created.id,
      change: (i, jobTitle) => {
        emulator.control.updateUser(seeded.tenantId, seeded.userIds[i % 10]!, { jobTitle });
      },
    });
  } finally {
    await receiver.stop();
    await emulator.stop();
  }
}
