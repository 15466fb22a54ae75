import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  acquireGraphToken,
  emulatorFetch,
  startTestEmulator,
  type RunningEmulator,
} from '../helpers/emulator.js';

/** The HTTP control API (`/_emulator/...`), the same surface as `emulator.control`. */
describe('control API over HTTPS', () => {
  let emulator: RunningEmulator;
  const adminKey = 'test-admin-key';

  beforeAll(async () => {
    emulator = await startTestEmulator({ adminKey });
  });
  afterAll(() => emulator.stop());

  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    key = adminKey,
  ) {
    const response = await emulatorFetch(emulator)(`${emulator.url}/_emulator${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  it('requires the admin key when one is configured', async () => {
    expect((await call('GET', '/tenants', undefined, 'wrong')).status).toBe(401);
    expect((await call('GET', '/tenants')).status).toBe(200);
  });

  it('reports the authority host, Graph base URL and CA', async () => {
    const { body } = await call('GET', '/info');
    expect(body).toEqual({
      authorityHost: emulator.authorityHost,
      graphBaseUrl: emulator.graphBaseUrl,
      caCertPem: emulator.caCertPem,
    });
  });

  it('drives a whole tenant: apps, secrets, consent, users, groups, members', async () => {
    const tenant = await call<{ id: string; defaultDomain: string }>('POST', '/tenants', {
      defaultDomain: 'ctl.onmicrosoft.com',
    });
    expect(tenant.status).toBe(201);
    const tid = tenant.body.id;
    const app = await call<{ clientId: string }>('POST', '/apps', { displayName: 'Hub' });
    const secret = await call<{ secretText: string; keyId: string; hint: string }>(
      'POST',
      `/apps/${app.body.clientId}/secrets`,
      { expiresInSeconds: 3600 },
    );
    expect(secret.status).toBe(201);
    expect(secret.body.secretText.startsWith(secret.body.hint)).toBe(true);
    const listed = await call<{ secrets: Array<Record<string, unknown>> }>(
      'GET',
      `/apps/${app.body.clientId}`,
    );
    expect(listed.body.secrets[0]).not.toHaveProperty('secretText');
    expect((await call('PUT', `/tenants/${tid}/consents/${app.body.clientId}`, {})).status).toBe(
      200,
    );

    const user = await call<{ id: string; accountEnabled: boolean }>(
      'POST',
      `/tenants/${tid}/users`,
      {
        displayName: 'Ada Lovelace',
        userPrincipalName: 'ada@ctl.onmicrosoft.com',
        mail: 'ada@ctl.onmicrosoft.com',
        department: 'Research',
      },
    );
    expect(user.status).toBe(201);
    expect(
      (
        await call('POST', `/tenants/${tid}/users`, {
          displayName: 'Dup',
          userPrincipalName: 'ADA@ctl.onmicrosoft.com',
        })
      ).status,
    ).toBe(409);
    const uid = user.body.id;
    expect(
      (await call<{ accountEnabled: boolean }>('POST', `/tenants/${tid}/users/${uid}/disable`)).body
        .accountEnabled,
    ).toBe(false);
    expect(
      (await call<{ accountEnabled: boolean }>('POST', `/tenants/${tid}/users/${uid}/enable`)).body
        .accountEnabled,
    ).toBe(true);
    expect(
      (
        await call<{ jobTitle: string }>('PATCH', `/tenants/${tid}/users/${uid}`, {
          jobTitle: 'Analyst',
        })
      ).body.jobTitle,
    ).toBe('Analyst');

    const group = await call<{ id: string }>('POST', `/tenants/${tid}/groups`, {
      displayName: 'Password Boss Users',
    });
    const gid = group.body.id;
    expect(
      (
        await call<{ added: number }>('POST', `/tenants/${tid}/groups/${gid}/members`, {
          ids: [uid],
        })
      ).body.added,
    ).toBe(1);
    expect(
      (await call<{ memberIds: string[] }>('GET', `/tenants/${tid}/groups/${gid}`)).body.memberIds,
    ).toEqual([uid]);
    expect(
      (
        await call<{ displayName: string }>('PATCH', `/tenants/${tid}/groups/${gid}`, {
          displayName: 'Renamed',
        })
      ).body.displayName,
    ).toBe('Renamed');

    const token = await acquireGraphToken(emulator, {
      tenantId: tid,
      clientId: app.body.clientId,
      clientSecret: secret.body.secretText,
    });
    const members = await emulatorFetch(emulator)(
      `${emulator.graphBaseUrl}/v1.0/groups/${gid}/members`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(
      ((await members.json()) as { value: Array<{ id: string }> }).value.map((m) => m.id),
    ).toEqual([uid]);

    expect(
      (await call<{ state: string }>('POST', `/tenants/${tid}/users/${uid}/soft-delete`)).body
        .state,
    ).toBe('softDeleted');
    expect(
      (await call<{ memberIds: string[] }>('GET', `/tenants/${tid}/groups/${gid}`)).body.memberIds,
    ).toEqual([]);
    expect(
      (await call<{ state: string }>('POST', `/tenants/${tid}/users/${uid}/restore`)).body.state,
    ).toBe('active');
    expect(
      (await call<{ memberIds: string[] }>('GET', `/tenants/${tid}/groups/${gid}`)).body.memberIds,
    ).toEqual([uid]);
    expect((await call('DELETE', `/tenants/${tid}/groups/${gid}/members/${uid}`)).status).toBe(204);
    expect((await call('DELETE', `/tenants/${tid}/users/${uid}`)).status).toBe(204);
    expect((await call('GET', `/tenants/${tid}/users/${uid}`)).status).toBe(404);
    expect((await call('DELETE', `/tenants/${tid}/groups/${gid}`)).status).toBe(204);

    expect(
      (await call('POST', `/apps/${app.body.clientId}/secrets/${secret.body.keyId}/expire`)).status,
    ).toBe(204);
    expect(
      (await call<{ secrets: Array<{ expired: boolean }> }>('GET', `/apps/${app.body.clientId}`))
        .body.secrets[0]!.expired,
    ).toBe(true);
    expect(
      (await call('DELETE', `/apps/${app.body.clientId}/secrets/${secret.body.keyId}`)).status,
    ).toBe(204);
    expect((await call('DELETE', `/tenants/${tid}/consents/${app.body.clientId}`)).status).toBe(
      204,
    );
  });

  it('generates a tenant with guests, disabled users, nested groups and the sync group', async () => {
    const tid = (await call<{ id: string }>('POST', '/tenants', {})).body.id;
    const generated = await call<{
      syncGroupId: string;
      userIds: string[];
      guestIds: string[];
      disabledIds: string[];
      groupIds: string[];
    }>('POST', `/tenants/${tid}/generate`, {
      users: 300,
      groups: 20,
      syncGroupMembers: 40,
      guestShare: 0.1,
      disabledShare: 0.1,
      nestedGroupShare: 0.5,
      syncGroupNonUserMembers: 2,
    });
    expect(generated.status).toBe(201);
    expect(generated.body.userIds).toHaveLength(300);
    expect(generated.body.guestIds.length).toBeGreaterThan(10);
    expect(generated.body.disabledIds.length).toBeGreaterThan(10);
    const sync = await call<{ displayName: string; memberIds: string[] }>(
      'GET',
      `/tenants/${tid}/groups/${generated.body.syncGroupId}`,
    );
    expect(sync.body.displayName).toBe('Password Boss Users');
    expect(sync.body.memberIds).toHaveLength(42);
    const nested = await Promise.all(
      generated.body.groupIds.map((id) =>
        call<{ memberIds: string[] }>('GET', `/tenants/${tid}/groups/${id}`),
      ),
    );
    const groupIds = new Set(generated.body.groupIds);
    expect(nested.some((g) => g.body.memberIds.some((m) => groupIds.has(m)))).toBe(true);
    const tenant = await call<{ users: number; groups: number }>('GET', `/tenants/${tid}`);
    expect(tenant.body).toMatchObject({ users: 300, groups: 21 });
  });

  it('answers invalid bodies with 400 and unknown ids with 404, in one error shape', async () => {
    const bad = await call<{ error: { code: string } }>('POST', '/tenants', { nope: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    const missing = await call<{ error: { code: string } }>(
      'GET',
      '/tenants/00000000-0000-0000-0000-000000000000',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('advances the clock, records requests and counts them', async () => {
    const before = Date.parse((await call<{ now: string }>('GET', '/clock')).body.now);
    const after = Date.parse(
      (await call<{ now: string }>('POST', '/clock/advance', { seconds: 3600 })).body.now,
    );
    expect(after - before).toBeGreaterThanOrEqual(3600_000);
    const log = await call<{
      value: Array<{ method: string; path: string; status: number; durationMs: number }>;
    }>('GET', '/requests?limit=5');
    expect(log.body.value.length).toBeLessThanOrEqual(5);
    expect(log.body.value.at(-1)).toMatchObject({
      method: 'POST',
      path: '/_emulator/clock/advance',
      status: 200,
    });
    const counters = await call<{ requests: number; requestsByRoute: Record<string, number> }>(
      'GET',
      '/counters',
    );
    expect(counters.body.requests).toBeGreaterThan(5);
    expect(counters.body.requestsByRoute['POST /_emulator/clock/advance']).toBe(1);
  });

  it('covers settings, consent decisions, permissions, faults, delta faults and objects', async () => {
    const tid = (await call<{ id: string }>('POST', '/tenants', {})).body.id;
    const settings = await call('PATCH', `/tenants/${tid}/settings`, {
      deltaPageSize: 10,
      deltaMembersPerPage: 20,
      listPageSize: 50,
    });
    expect(settings.body).toEqual({ deltaPageSize: 10, deltaMembersPerPage: 20, listPageSize: 50 });
    expect((await call('PATCH', `/tenants/${tid}/settings`, { listPageSize: 1000 })).status).toBe(
      400,
    );
    const app = await call<{ clientId: string }>('POST', '/apps', {
      requiredPermissions: ['User.Read.All'],
    });
    const cid = app.body.clientId;
    const patched = await call<{ displayName: string; redirectUris: string[] }>(
      'PATCH',
      `/apps/${cid}`,
      {
        displayName: 'Renamed app',
        redirectUris: ['https://hub.example/cb'],
      },
    );
    expect(patched.body).toMatchObject({
      displayName: 'Renamed app',
      redirectUris: ['https://hub.example/cb'],
    });
    const decision = await call<{ consentDecision: unknown }>(
      'PUT',
      `/apps/${cid}/consent-decision`,
      { decision: 'deny', tenantId: tid },
    );
    expect(decision.body.consentDecision).toEqual({ decision: 'deny', tenantId: tid });
    expect(
      (await call<{ roles: string[] }>('PUT', `/tenants/${tid}/consents/${cid}`, {})).body.roles,
    ).toEqual(['User.Read.All']);
    expect(
      (await call<{ roles: string[] }>('PATCH', `/tenants/${tid}/consents/${cid}`, { roles: [] }))
        .body.roles,
    ).toEqual([]);
    expect(
      (await call<{ value: unknown[] }>('GET', `/tenants/${tid}/consents`)).body.value,
    ).toHaveLength(1);

    const faults = {
      throttleShare: 0.5,
      retryAfterSeconds: 2,
      failPage: { page: 3, status: 503, times: 1 },
    };
    expect((await call('PUT', `/tenants/${tid}/faults`, faults)).status).toBe(200);
    expect((await call('GET', `/tenants/${tid}/faults`)).body).toEqual(faults);
    expect((await call('PUT', `/tenants/${tid}/faults`, { throttleShare: 2 })).status).toBe(400);
    expect((await call('DELETE', `/tenants/${tid}/faults`)).status).toBe(204);
    expect((await call('GET', `/tenants/${tid}/faults`)).body).toEqual({});
    expect((await call('POST', `/tenants/${tid}/delta/expire`)).status).toBe(204);
    expect((await call('POST', `/tenants/${tid}/delta/reset`)).status).toBe(204);

    const device = await call<{ id: string; type: string }>(
      'POST',
      `/tenants/${tid}/directory-objects`,
      { type: 'device', displayName: 'LAPTOP-9' },
    );
    expect(device.body.type).toBe('device');
    const group = await call<{ id: string }>('POST', `/tenants/${tid}/groups`, {
      displayName: 'M365',
      groupTypes: ['Unified'],
      mailEnabled: true,
    });
    expect(
      (
        await call('POST', `/tenants/${tid}/groups/${group.body.id}/members`, {
          id: device.body.id,
        })
      ).status,
    ).toBe(200);
    expect((await call('DELETE', `/tenants/${tid}/groups/${group.body.id}?soft=true`)).status).toBe(
      204,
    );
    expect(
      (await call<{ state: string }>('GET', `/tenants/${tid}/groups/${group.body.id}`)).body.state,
    ).toBe('softDeleted');
    const restored = await call<{ state: string; memberIds: string[] }>(
      'POST',
      `/tenants/${tid}/groups/${group.body.id}/restore`,
    );
    expect(restored.body).toMatchObject({ state: 'active', memberIds: [device.body.id] });
    expect((await call<{ value: unknown[] }>('GET', `/tenants/${tid}/users`)).body.value).toEqual(
      [],
    );
    expect((await call('DELETE', `/apps/${cid}`)).status).toBe(204);
    expect((await call('DELETE', `/tenants/${tid}`)).status).toBe(204);
    expect((await call('GET', `/tenants/${tid}`)).status).toBe(404);
  });

  it('lists subscriptions, sends lifecycle events and waits for deliveries', async () => {
    const { NotificationReceiver } = await import('../helpers/notification-receiver.js');
    const receiver = await new NotificationReceiver().start();
    try {
      const tid = (await call<{ id: string }>('POST', '/tenants', {})).body.id;
      const app = await call<{ clientId: string }>('POST', '/apps', {});
      const secret = await call<{ secretText: string }>(
        'POST',
        `/apps/${app.body.clientId}/secrets`,
        {},
      );
      await call('PUT', `/tenants/${tid}/consents/${app.body.clientId}`, {});
      const token = await acquireGraphToken(emulator, {
        tenantId: tid,
        clientId: app.body.clientId,
        clientSecret: secret.body.secretText,
      });
      const created = await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          changeType: 'updated',
          notificationUrl: receiver.url(),
          lifecycleNotificationUrl: receiver.url('/lifecycle'),
          resource: '/groups',
          expirationDateTime: new Date(Date.parse(emulator.control.now()) + 3600_000).toISOString(),
        }),
      });
      const subscription = (await created.json()) as { id: string };
      const listed = await call<{ value: Array<{ id: string; resource: string }> }>(
        'GET',
        `/subscriptions?tenantId=${tid}`,
      );
      expect(listed.body.value).toMatchObject([{ id: subscription.id, resource: '/groups' }]);
      expect(
        (await call<{ value: unknown[] }>('GET', `/tenants/${tid}/subscriptions`)).body.value,
      ).toHaveLength(1);
      expect(
        (
          await call('POST', `/subscriptions/${subscription.id}/lifecycle`, {
            event: 'reauthorizationRequired',
          })
        ).status,
      ).toBe(202);
      expect(
        (await call('POST', `/subscriptions/${subscription.id}/lifecycle`, { event: 'nope' }))
          .status,
      ).toBe(400);
      await call('POST', `/tenants/${tid}/groups`, { displayName: 'Triggers a notification' });
      expect((await call('POST', '/notifications/wait')).status).toBe(204);
      expect(receiver.notifications('/lifecycle')).toMatchObject([
        { lifecycleEvent: 'reauthorizationRequired' },
      ]);
      expect(receiver.notifications('/notifications')).toHaveLength(1);
      const counters = await call<{
        notifications: { delivered: number; lifecycleDelivered: number };
      }>('GET', '/counters');
      expect(counters.body.notifications).toMatchObject({ delivered: 1, lifecycleDelivered: 1 });
    } finally {
      await receiver.stop();
    }
  });

  it('resets everything', async () => {
    expect((await call('POST', '/reset')).status).toBe(204);
    expect((await call<{ value: unknown[] }>('GET', '/tenants')).body.value).toEqual([]);
  });
});
