/**
 * Graph behaviours checked with Microsoft's own clients (graph-facts §7), one contract test each,
 * each naming the page of Microsoft's documentation (or the maintainers' issue) it follows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  acquireGraphToken,
  createGraphClient,
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';

interface Item {
  id: string;
  displayName?: string;
  userPrincipalName?: string;
  createdDateTime?: string;
  [key: string]: unknown;
}
interface Page {
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Item[];
  error?: { code: string; message: string };
}
interface BatchAnswer {
  responses?: { id: string; status: number; body: Page }[];
  error?: { code: string; message: string };
}

describe('Graph contract: what Microsoft documents, checked against the emulator', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let token: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 14, groups: 6, syncGroupMembers: 5 });
    token = await acquireGraphToken(emulator, tenant);
  });
  afterAll(() => emulator.stop());

  /** GET on Graph: a path under /v1.0 or an absolute link the emulator returned. */
  async function get(pathOrUrl: string, headers: Record<string, string> = {}) {
    const url = pathOrUrl.startsWith('https:')
      ? pathOrUrl
      : `${emulator.graphBaseUrl}/v1.0${pathOrUrl}`;
    const response = await emulatorFetch(emulator)(url, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    return { status: response.status, body: (await response.json()) as Page };
  }

  async function all(path: string, headers: Record<string, string> = {}) {
    const items: Item[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = await get(next, headers);
      expect(page.status).toBe(200);
      items.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    return items;
  }

  /** A stable sort without case: ties keep the listing's (creation) order, as Graph's does. */
  const sortedBy = (items: Item[], key: keyof Item) =>
    [...items].sort((a, b) => {
      const [ka, kb] = [String(a[key]).toLowerCase(), String(b[key]).toLowerCase()];
      return ka === kb ? 0 : ka < kb ? -1 : 1;
    });

  // https://learn.microsoft.com/en-us/graph/api/user-delta and .../group-delta ("delta
  // function"); https://learn.microsoft.com/en-us/graph/delta-query-overview. Kiota-generated
  // SDKs call the function with parentheses: GET /users/delta().
  it.each(['users', 'groups'])(
    'GET /%s/delta() works like /delta [graph/api/user-delta, group-delta]',
    async (kind) => {
      const plain = await get(`/${kind}/delta`);
      for (const form of ['delta()', 'microsoft.graph.delta()']) {
        const call = await get(`/${kind}/${form}`);
        expect([form, call.status]).toEqual([form, 200]);
        expect(call.body.value.map((i) => i.id)).toEqual(plain.body.value.map((i) => i.id));
        expect(call.body['@odata.deltaLink']).toContain(`/v1.0/${kind}/`);
        expect((await get(call.body['@odata.deltaLink']!)).status).toBe(200);
      }
      // Through the Graph SDK as well (the hub's client).
      const graph = createGraphClient(emulator, tenant);
      const viaSdk = (await graph.api(`/${kind}/delta()`).get()) as Page;
      expect(viaSdk.value).toHaveLength(plain.body.value.length);
    },
  );

  // https://learn.microsoft.com/en-us/graph/aad-advanced-queries, "Support for sorting by
  // properties of directory objects": user displayName and userPrincipalName, group displayName
  // sort by default; user createdDateTime only with ConsistencyLevel: eventual and $count=true.
  it('$orderby on users and groups is honoured where Graph supports it [graph/aad-advanced-queries]', async () => {
    const users = await all('/users?$select=id,displayName,userPrincipalName&$top=4');
    const byName = await all('/users?$select=id,displayName&$orderby=displayName&$top=4');
    expect(byName.map((u) => u.id)).toEqual(sortedBy(users, 'displayName').map((u) => u.id));
    const byUpnDesc = await all('/users?$orderby=userPrincipalName desc&$top=5');
    expect(byUpnDesc.map((u) => u.id)).toEqual(
      sortedBy(users, 'userPrincipalName')
        .reverse()
        .map((u) => u.id),
    );
    const groups = await all('/groups?$select=id,displayName');
    const groupsByName = await all('/groups?$orderby=displayName&$top=2');
    expect(groupsByName.map((g) => g.id)).toEqual(sortedBy(groups, 'displayName').map((g) => g.id));
    const advanced = { consistencylevel: 'eventual' };
    const byCreated = await all('/users?$orderby=createdDateTime desc&$count=true', advanced);
    expect(byCreated).toHaveLength(users.length);
    const filtered = await all(
      "/users?$filter=userType eq 'Member'&$orderby=displayName&$count=true",
      advanced,
    );
    expect(filtered.map((u) => u.displayName)).toEqual(
      sortedBy(filtered, 'displayName').map((u) => u.displayName),
    );
  });

  // Same page: other properties cannot be sorted; $filter with $orderby and advanced properties
  // need the advanced query parameters. Graph's answer: 400 Request_UnsupportedQuery "Sorting
  // not supported for current query."
  it.each([
    ['/users?$orderby=jobTitle', {}],
    ['/users?$orderby=createdDateTime', {}],
    ["/users?$filter=userType eq 'Member'&$orderby=displayName", {}],
    ["/users?$filter=userType eq 'Member'&$orderby=displayName", { consistencylevel: 'eventual' }],
    ['/groups?$orderby=mail', {}],
    ['/groups?$orderby=displayName,mail', {}],
  ])(
    '%s is refused as Graph refuses it [graph/aad-advanced-queries]',
    async (path, headers: Record<string, string>) => {
      const answer = await get(path, headers);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual({
        code: 'Request_UnsupportedQuery',
        message: 'Sorting not supported for current query.',
        innerError: expect.anything(),
      });
    },
  );

  // https://learn.microsoft.com/en-us/graph/api/user-list ("`$skip` isn't supported"); the
  // exact answer is quoted in https://github.com/microsoftgraph/msgraph-metadata/issues/135.
  it('$skip on users is refused with 400 Request_BadRequest [graph/api/user-list]', async () => {
    for (const path of ['/users?$skip=2', '/users?$top=2&$skip=2', '/groups?$skip=1']) {
      const answer = await get(path);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.body.error).toMatchObject({
        code: 'Request_BadRequest',
        message: "'$skip' is not supported by the service.",
      });
    }
  });

  // https://learn.microsoft.com/en-us/graph/api/user-delta, "Alternative: return only the
  // changed properties" and Example 3 (Prefer: return=minimal on a deltaLink request).
  it('Prefer: return=minimal on a delta round returns only the changed properties [graph/api/user-delta]', async () => {
    const first = await get('/users/delta?$select=displayName,jobTitle,mobilePhone');
    const link = first.body['@odata.deltaLink']!;
    const [changed, untouched] = tenant.userIds;
    emulator.control.updateUser(tenant.tenantId, changed!, {
      displayName: 'Renamed Person',
      jobTitle: null,
    });
    const created = emulator.control.createUser(tenant.tenantId, {
      displayName: 'Brand New',
      userPrincipalName: `brand.new@${tenant.defaultDomain}`,
      jobTitle: 'Analyst',
    });
    const minimal = await get(link, { prefer: 'return=minimal' });
    expect(minimal.status).toBe(200);
    expect(minimal.body.value).toEqual([
      { id: changed, displayName: 'Renamed Person', jobTitle: null },
      { id: created.id, displayName: 'Brand New', jobTitle: 'Analyst', mobilePhone: null },
    ]);
    expect(minimal.body.value.some((u) => u.id === untouched)).toBe(false);
    // The default: every tracked property of a changed object, changed or not.
    const full = await get(link);
    expect(full.body.value[0]).toMatchObject({ id: changed, displayName: 'Renamed Person' });
    expect(Object.keys(full.body.value[0]!).sort()).toEqual([
      'displayName',
      'id',
      'jobTitle',
      'mobilePhone',
    ]);

    // Groups (https://learn.microsoft.com/en-us/graph/api/group-delta): a rename carries only
    // the name; members@delta still says who joined.
    const groupsLink = (await get('/groups/delta?$select=displayName,description,members')).body[
      '@odata.deltaLink'
    ]!;
    const group = tenant.groupIds[0]!;
    emulator.control.updateGroup(tenant.tenantId, group, { displayName: 'Renamed Group' });
    emulator.control.addMembers(tenant.tenantId, group, [created.id]);
    const groups = await get(groupsLink, { prefer: 'return=minimal' });
    expect(groups.body.value).toEqual([
      {
        id: group,
        displayName: 'Renamed Group',
        'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: created.id }],
      },
    ]);
  });

  async function batch(
    requests: { id: string; method: string; url: string; dependsOn?: string[] }[],
  ) {
    const response = await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    return { status: response.status, body: (await response.json()) as BatchAnswer };
  }

  // https://learn.microsoft.com/en-us/graph/json-batching: id "Not case-sensitive. Must be
  // unique in the batch, otherwise, the batch request fails with a 400 error code."
  it('$batch ids are case-insensitive and must be unique, else 400 [graph/json-batching]', async () => {
    const clash = await batch([
      { id: 'a', method: 'GET', url: '/users?$top=1' },
      { id: 'A', method: 'GET', url: '/groups?$top=1' },
    ]);
    expect(clash.status).toBe(400);
    expect(clash.body.error?.code).toBe('BadRequest');
    const chained = await batch([
      { id: 'First', method: 'GET', url: '/users?$top=1' },
      { id: 'second', method: 'GET', url: '/groups?$top=1', dependsOn: ['FIRST'] },
    ]);
    expect(chained.status).toBe(200);
    expect(chained.body.responses?.map((r) => [r.id, r.status])).toEqual([
      ['First', 200],
      ['second', 200],
    ]);
  });

  // json-batching: a step url is relative to the version ("/users", never "/v1.0/users"); Graph
  // resolves "/v1.0/users" under /v1.0 and answers 400 "Resource not found for the segment
  // 'v1.0'" (https://github.com/microsoftgraph/msgraph-sdk-python/issues/1015).
  it('$batch step URLs starting with /v1.0 answer 400 "Resource not found for the segment \'v1.0\'" [graph/json-batching]', async () => {
    const answer = await batch([
      { id: '1', method: 'GET', url: '/v1.0/users?$top=1' },
      { id: '2', method: 'GET', url: '/users?$top=1' },
    ]);
    expect(answer.status).toBe(200);
    const [versioned, relative] = answer.body.responses!;
    expect(versioned).toMatchObject({
      id: '1',
      status: 400,
      body: {
        error: { code: 'BadRequest', message: "Resource not found for the segment 'v1.0'." },
      },
    });
    expect(relative).toMatchObject({ id: '2', status: 200 });
  });

  // https://learn.microsoft.com/en-us/graph/throttling#sample-response shows "Retry-After:
  // 2.128": the value is a decimal number of seconds.
  it('injected Retry-After values can be fractional, and the Graph SDK waits that long [graph/throttling]', async () => {
    emulator.control.setFaults(tenant.tenantId, { throttleBurst: 1, retryAfterSeconds: 0.35 });
    const throttled = await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0/users?$top=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('0.35');
    await throttled.body?.cancel();

    emulator.control.clearRequestLog();
    emulator.control.setFaults(tenant.tenantId, { throttleBurst: 1, retryAfterSeconds: 2.128 });
    const graph = createGraphClient(emulator, tenant);
    await expect(graph.api('/groups').top(1).get()).resolves.toMatchObject({
      value: [expect.anything()],
    });
    const log = emulator.control
      .requestLog()
      .filter((e) => e.path.startsWith('/v1.0/groups'))
      .sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
    expect(log.map((e) => [e.status, e.retryAfter])).toEqual([
      [429, '2.128'],
      [200, undefined],
    ]);
    expect(Date.parse(log[1]!.receivedAt) - Date.parse(log[0]!.time)).toBeGreaterThanOrEqual(2128);
    emulator.control.clearFaults(tenant.tenantId);
  });
});
