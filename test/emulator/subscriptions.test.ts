import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import {
  createGraphClient,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
  graphErrorOf,
} from '../helpers/emulator.js';
import { NotificationReceiver } from '../helpers/notification-receiver.js';

interface Subscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

/** graph-facts §6: creating and managing subscriptions. */
describe('Graph: subscriptions', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let graph: Client;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    emulator = await startTestEmulator({ validationTimeoutMs: 1_000 });
    tenant = await seedTestTenant(emulator, { users: 5, groups: 1 });
    graph = createGraphClient(emulator, tenant);
    receiver = await new NotificationReceiver().start();
  });
  afterEach(() => {
    receiver.validation = 'echo';
  });
  afterAll(async () => {
    await receiver.stop();
    await emulator.stop();
  });

  const body = (overrides: Record<string, unknown> = {}) => ({
    changeType: 'updated,deleted',
    notificationUrl: receiver.url(),
    lifecycleNotificationUrl: receiver.url('/lifecycle'),
    resource: '/users',
    expirationDateTime: minutes(60),
    clientState: 'secret-state',
    ...overrides,
  });
  const create = (overrides: Record<string, unknown> = {}) =>
    graph.api('/subscriptions').post(body(overrides)) as Promise<Subscription>;
  const createError = async (overrides: Record<string, unknown>) =>
    await graphErrorOf(create(overrides));

  it('creates a subscription after validating both URLs: 201 with the subscription', async () => {
    const before = receiver.validations;
    const created = await create();
    expect(receiver.validations - before).toBe(2);
    expect(created).toMatchObject({
      resource: '/users',
      applicationId: tenant.clientId,
      changeType: 'updated,deleted',
      clientState: 'secret-state',
      notificationUrl: receiver.url(),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
      latestSupportedTlsVersion: 'v1_2',
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.creatorId).toMatch(/^[0-9a-f-]{36}$/);
    const fetched = (await graph.api(`/subscriptions/${created.id}`).get()) as Subscription;
    expect(fetched.id).toBe(created.id);
    const list = (await graph.api('/subscriptions').get()) as { value: Subscription[] };
    expect(list.value.map((s) => s.id)).toContain(created.id);
  });

  it('accepts /users/{id}, /groups, /groups/{id} and /groups/{id}/members', async () => {
    for (const resource of [
      `/users/${tenant.userIds[0]}`,
      '/groups',
      `/groups/${tenant.syncGroupId}`,
      `/groups/${tenant.syncGroupId}/members`,
    ]) {
      await expect(create({ resource })).resolves.toMatchObject({ resource });
    }
  });

  it.each([
    ['a created changeType', { changeType: 'created,updated' }],
    ['an unsupported resource', { resource: '/me/messages' }],
    ['an http URL outside dev mode hosts', { notificationUrl: 'http://example.com/hook' }],
    ['a lifetime over 41,760 minutes', { expirationDateTime: minutes(41_761) }],
    ['an expiration in the past', { expirationDateTime: minutes(-1) }],
    ['a clientState over 128 characters', { clientState: 'x'.repeat(129) }],
  ])('refuses %s with 400', async (_name, overrides) => {
    const error = await createError(overrides);
    expect(error).toBeInstanceOf(GraphError);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('InvalidRequest');
  });

  it('accepts a lifetime just under 41,760 minutes and a 128-character clientState', async () => {
    await expect(
      create({ expirationDateTime: minutes(41_759), clientState: 'y'.repeat(128) }),
    ).resolves.toBeDefined();
  });

  it.each<[string, NotificationReceiver['validation']]>([
    ['a body other than the token', 'wrong-body'],
    ['a URL-encoded token (not decoded)', 'echo-encoded'],
    ['a Content-Type other than text/plain', 'json-content-type'],
    ['a status other than 200', 'status-500'],
    ['no answer within the timeout', 'hang'],
  ])('fails creation with 400 InvalidRequest when validation gets %s', async (_name, mode) => {
    receiver.validation = mode;
    const error = await createError({});
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('InvalidRequest');
    expect(error.message).toMatch(/^Subscription validation request failed/);
  });

  it('validates the lifecycle URL too', async () => {
    const error = await createError({ lifecycleNotificationUrl: 'http://localhost:1/nothing' });
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^Subscription validation request failed/);
  });

  it('renews with PATCH (200), reauthorizes (204) and deletes (204)', async () => {
    const created = await create();
    const later = minutes(2 * 24 * 60);
    const renewed = (await graph
      .api(`/subscriptions/${created.id}`)
      .patch({ expirationDateTime: later })) as Subscription;
    expect(Date.parse(renewed.expirationDateTime)).toBe(Date.parse(later));
    const tooLong = await graphErrorOf(
      graph.api(`/subscriptions/${created.id}`).patch({ expirationDateTime: minutes(50_000) }),
    );
    expect(tooLong.statusCode).toBe(400);
    await graph.api(`/subscriptions/${created.id}/reauthorize`).post({});
    await graph.api(`/subscriptions/${created.id}`).delete();
    const gone = await graphErrorOf(graph.api(`/subscriptions/${created.id}`).get());
    expect(gone.statusCode).toBe(404);
  });

  it('needs the permission of the resource: 403 without Group.Read.All for /groups', async () => {
    const usersOnly = await seedTestTenant(emulator, {
      users: 1,
      groups: 0,
      permissions: ['User.Read.All'],
    });
    const client = createGraphClient(emulator, usersOnly);
    await expect(
      client.api('/subscriptions').post(body({ resource: '/users' })),
    ).resolves.toBeDefined();
    const error = await graphErrorOf(
      client.api('/subscriptions').post(body({ resource: '/groups' })),
    );
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });

  it('enforces 100 subscriptions per app per tenant and 1,000 per tenant: 403 over quota', async () => {
    const seeded = await seedTestTenant(emulator, { users: 1, groups: 0 });
    const client = createGraphClient(emulator, seeded);
    const payload = body({ lifecycleNotificationUrl: undefined });
    for (let i = 0; i < 100; i++) await client.api('/subscriptions').post(payload);
    const over = await graphErrorOf(client.api('/subscriptions').post(payload));
    expect(over.statusCode).toBe(403);
    const apps = Array.from({ length: 9 }, () => {
      const app = emulator.control.createApp();
      const secret = emulator.control.addSecret(app.clientId).secretText;
      emulator.control.grantConsent(seeded.tenantId, app.clientId);
      return createGraphClient(emulator, {
        tenantId: seeded.tenantId,
        clientId: app.clientId,
        clientSecret: secret,
      });
    });
    for (const other of apps)
      for (let i = 0; i < 100; i++) await other.api('/subscriptions').post(payload);
    const extra = emulator.control.createApp();
    emulator.control.grantConsent(seeded.tenantId, extra.clientId);
    const extraClient = createGraphClient(emulator, {
      tenantId: seeded.tenantId,
      clientId: extra.clientId,
      clientSecret: emulator.control.addSecret(extra.clientId).secretText,
    });
    const tenantOver = await graphErrorOf(extraClient.api('/subscriptions').post(payload));
    expect(tenantOver.statusCode).toBe(403);
    expect(emulator.control.listSubscriptions(seeded.tenantId)).toHaveLength(1000);
  });

  it('expires subscriptions at their expirationDateTime (emulator clock)', async () => {
    const other = await startTestEmulator();
    try {
      const seeded = await seedTestTenant(other, { users: 1, groups: 0 });
      const client = createGraphClient(other, seeded, { freshTokens: true });
      const created = (await client
        .api('/subscriptions')
        .post(body({ expirationDateTime: minutes(30) }))) as Subscription;
      other.control.advanceClock(31 * 60_000);
      const error = await graphErrorOf(client.api(`/subscriptions/${created.id}`).get());
      expect(error.statusCode).toBe(404);
    } finally {
      await other.stop();
    }
  });
});
