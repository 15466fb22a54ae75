import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BatchRequestContent,
  BatchResponseContent,
  type Client,
} from '@microsoft/microsoft-graph-client';
import {
  acquireGraphToken,
  createGraphClient,
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
  graphErrorOf,
} from '../helpers/emulator.js';

interface BatchResponse {
  responses: Array<{ id: string; status: number; headers: Record<string, string>; body: unknown }>;
}

/** graph-facts §4: $batch, resource units, throttling; plus the emulator's fault injection. */
describe('Graph: $batch, resource units, throttling and faults', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let graph: Client;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 30, groups: 2, syncGroupMembers: 10 });
    graph = createGraphClient(emulator, tenant);
  });
  afterAll(() => emulator.stop());

  async function rawGet(path: string, credentials = tenant, headers: Record<string, string> = {}) {
    const token = await acquireGraphToken(emulator, credentials);
    return emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  }

  async function rawBatch(
    token: string,
    requests: Array<{ id: string; method: string; url: string; dependsOn?: string[] }>,
  ) {
    const response = await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    return {
      status: response.status,
      body: (await response.json()) as BatchResponse & { error?: { code: string } },
    };
  }

  it('runs a batch through the Graph SDK, each step with its own status', async () => {
    // The JS SDK 3.0.7 strips only scheme and host from a step's URL, so the URL must not carry
    // the version (its maintainers' workaround, msgraph-sdk-javascript issue 1451); a step URL
    // with it is refused, see graph-contract.test.ts.
    const content = new BatchRequestContent([
      {
        id: '1',
        request: new Request(`${emulator.graphBaseUrl}/users?$top=2`, { method: 'GET' }),
      },
      {
        id: '2',
        request: new Request(`${emulator.graphBaseUrl}/groups/${tenant.syncGroupId}`, {
          method: 'GET',
        }),
      },
      {
        id: '3',
        request: new Request(
          `${emulator.graphBaseUrl}/users/00000000-0000-0000-0000-000000000009`,
          {
            method: 'GET',
          },
        ),
      },
    ]);
    const response = (await graph.api('/$batch').post(await content.getContent())) as BatchResponse;
    const parsed = new BatchResponseContent(response);
    expect(parsed.getResponseById('1')?.status).toBe(200);
    expect(((await parsed.getResponseById('1').json()) as { value: unknown[] }).value).toHaveLength(
      2,
    );
    expect(parsed.getResponseById('2')?.status).toBe(200);
    expect(parsed.getResponseById('3')?.status).toBe(404);
  });

  it('refuses more than 20 requests; dependsOn failures answer 424', async () => {
    const token = await acquireGraphToken(emulator, tenant);
    const many = Array.from({ length: 21 }, (_, i) => ({
      id: String(i + 1),
      method: 'GET',
      url: '/users?$top=1',
    }));
    const tooMany = await rawBatch(token, many);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.code).toBe('BadRequest');
    expect((await rawBatch(token, many.slice(0, 20))).status).toBe(200);
    const chained = await rawBatch(token, [
      { id: 'a', method: 'GET', url: '/groups/00000000-0000-0000-0000-00000000000a' },
      { id: 'b', method: 'GET', url: '/users?$top=1', dependsOn: ['a'] },
    ]);
    expect(chained.body.responses.find((r) => r.id === 'a')?.status).toBe(404);
    expect(chained.body.responses.find((r) => r.id === 'b')?.status).toBe(424);
  });

  it('charges resource units per the throttling table and reports them in x-ms-resource-unit', async () => {
    const cases: Array<[string, number]> = [
      ['/users', 2],
      ['/users?$select=id,displayName', 1],
      ['/users?$top=5', 1],
      [`/users/${tenant.userIds[0]}`, 1],
      ['/groups', 1],
      [`/groups/${tenant.syncGroupId}/members`, 3],
      [`/groups/${tenant.syncGroupId}/members?$select=id`, 2],
      [`/groups/${tenant.syncGroupId}/transitiveMembers`, 5],
      [`/groups/${tenant.syncGroupId}/transitiveMembers?$select=id&$top=10`, 3],
    ];
    const before = emulator.control.counters().resourceUnitsByTenant[tenant.tenantId] ?? 0;
    for (const [path, units] of cases) {
      const response = await rawGet(path);
      expect(response.status).toBe(200);
      expect([path, response.headers.get('x-ms-resource-unit')]).toEqual([path, String(units)]);
    }
    const after = emulator.control.counters().resourceUnitsByTenant[tenant.tenantId]!;
    expect(after - before).toBe(cases.reduce((sum, [, units]) => sum + units, 0));
  });

  /** Spends units with batches of transitiveMembers (5 RU each) until Graph says 429. */
  async function unitsUntilThrottled(seeded: SeededTenant, groupId: string) {
    const token = await acquireGraphToken(emulator, seeded);
    let spent = 0;
    for (let batch = 0; batch < 200; batch++) {
      const requests = Array.from({ length: 20 }, (_, i) => ({
        id: String(i),
        method: 'GET',
        url: `/groups/${groupId}/transitiveMembers`,
      }));
      const { body } = await rawBatch(token, requests);
      for (const response of body.responses) {
        if (response.status === 200) spent += 5;
        else {
          expect(response.status).toBe(429);
          expect(Number(response.headers['Retry-After'])).toBeGreaterThan(0);
          expect(Number(response.headers['Retry-After'])).toBeLessThanOrEqual(10);
          expect(response.body).toMatchObject({ error: { code: 'TooManyRequests' } });
          return spent;
        }
      }
    }
    throw new Error('never throttled');
  }

  it('throttles per app and tenant at 3,500 / 5,000 / 8,000 units per 10 s by tenant size', async () => {
    for (const [users, limit] of [
      [49, 3500],
      [50, 5000],
      [500, 5000],
      [501, 8000],
    ] as const) {
      const seeded = await seedTestTenant(emulator, { users, groups: 0, syncGroupMembers: 1 });
      expect([users, await unitsUntilThrottled(seeded, seeded.syncGroupId)]).toEqual([
        users,
        limit,
      ]);
    }
  });

  it('throttled callers recover when the 10-second window passes; other apps are not affected', async () => {
    const seeded = await seedTestTenant(emulator, { users: 5, groups: 0, syncGroupMembers: 1 });
    await unitsUntilThrottled(seeded, seeded.syncGroupId);
    const throttled = await rawGet('/users', seeded);
    expect(throttled.status).toBe(429);
    const body = (await throttled.json()) as {
      error: { code: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe('TooManyRequests');
    expect(body.error.innerError['request-id']).toBeTruthy();
    const otherApp = emulator.control.createApp();
    const otherSecret = emulator.control.addSecret(otherApp.clientId).secretText;
    emulator.control.grantConsent(seeded.tenantId, otherApp.clientId);
    const other = { ...seeded, clientId: otherApp.clientId, clientSecret: otherSecret };
    expect((await rawGet('/users', other)).status).toBe(200);
    emulator.control.advanceClock(10_000);
    expect((await rawGet('/users', seeded)).status).toBe(200);
    expect(emulator.control.counters().throttled).toBeGreaterThan(0);
  });

  it('injected 429s carry Retry-After, and the Graph SDK RetryHandler honours it', async () => {
    emulator.control.setFaults(tenant.tenantId, { throttleBurst: 2, retryAfterSeconds: 1 });
    try {
      emulator.control.clearRequestLog();
      const started = Date.now();
      const result = (await graph.api('/users').top(1).get()) as { value: unknown[] };
      expect(result.value).toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      const log = emulator.control.requestLog().filter((e) => e.path.startsWith('/v1.0/users'));
      expect(log.map((e) => e.status)).toEqual([429, 429, 200]);
      expect(log.map((e) => e.retryAfter)).toEqual(['1', '1', undefined]);
      // The log measures the client's wait: answer of one -> arrival of the next.
      expect(Date.parse(log[1]!.receivedAt) - Date.parse(log[0]!.time)).toBeGreaterThanOrEqual(
        1000,
      );
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
  });

  it('the Graph SDK gives up after 3 retries and surfaces 429 TooManyRequests', async () => {
    emulator.control.setFaults(tenant.tenantId, { throttleBurst: 4, retryAfterSeconds: 0 });
    try {
      emulator.control.clearRequestLog();
      const error = await graphErrorOf(graph.api('/users').top(1).get());
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('TooManyRequests');
      const attempts = emulator.control
        .requestLog()
        .filter((e) => e.path.startsWith('/v1.0/users'));
      expect(attempts.map((e) => e.status)).toEqual([429, 429, 429, 429]);
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
  });

  it('injects a share of 5xx exactly, with Retry-After on 503', async () => {
    emulator.control.setFaults(tenant.tenantId, {
      serverErrorShare: 0.25,
      serverErrorStatus: 503,
      retryAfterSeconds: 2,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await rawGet('/users?$top=1');
        statuses.push(response.status);
        if (response.status === 503) expect(response.headers.get('retry-after')).toBe('2');
      }
      expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
  });

  it('fails the Nth page of a listing, then serves it on retry', async () => {
    emulator.control.setFaults(tenant.tenantId, { failPage: { page: 2, status: 500, times: 1 } });
    try {
      const first = (await graph.api('/users').top(10).get()) as { '@odata.nextLink': string };
      const error = await graphErrorOf(graph.api(first['@odata.nextLink']).get());
      expect(error.statusCode).toBe(500);
      const retry = (await graph.api(first['@odata.nextLink']).get()) as { value: unknown[] };
      expect(retry.value).toHaveLength(10);
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
  });

  it('adds latency', async () => {
    emulator.control.setFaults(tenant.tenantId, { latencyMs: 200 });
    try {
      const token = await acquireGraphToken(emulator, tenant);
      const started = Date.now();
      await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0/users?$top=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(195);
      expect(emulator.control.getFaults(tenant.tenantId)).toEqual({ latencyMs: 200 });
      // The log tells arrival from answer, so a client's wait between two requests is measurable.
      const entry = emulator.control.requestLog(1)[0]!;
      expect(Date.parse(entry.time) - Date.parse(entry.receivedAt)).toBeGreaterThanOrEqual(199);
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
  });

  it('counts requests by route, statuses and faults', () => {
    const counters = emulator.control.counters();
    expect(counters.requestsByRoute['GET /v1.0/users']).toBeGreaterThan(5);
    expect(counters.responsesByStatus['429']).toBeGreaterThan(0);
    expect(counters.injectedFaults).toBeGreaterThanOrEqual(5);
    const log = emulator.control.requestLog(10);
    expect(log.at(-1)).toMatchObject({
      method: 'GET',
      status: 200,
      tenantId: tenant.tenantId,
      appId: tenant.clientId,
    });
  });
});
