import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphError, PageIterator } from '@microsoft/microsoft-graph-client';
import {
  createGraphClient,
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
  graphErrorOf,
} from '../helpers/emulator.js';

interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string;
  userPrincipalName?: string;
  mail?: string | null;
  accountEnabled?: boolean;
  userType?: string;
}
interface Page<T> {
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  value: T[];
}

/** graph-facts §4: reading users and groups through the real Graph SDK. */
describe('Graph: users, groups, members, paging', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let graph: ReturnType<typeof createGraphClient>;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, {
      users: 250,
      groups: 5,
      syncGroupMembers: 120,
      guestShare: 0.1,
      disabledShare: 0.1,
    });
    graph = createGraphClient(emulator, tenant);
  });
  afterAll(() => emulator.stop());

  async function readAll<T>(first: Page<T>): Promise<T[]> {
    const items: T[] = [];
    const iterator = new PageIterator(graph, first, (item) => {
      items.push(item as T);
      return true;
    });
    await iterator.iterate();
    return items;
  }

  it('lists users with the default page size of 100 and absolute https nextLinks on its own host', async () => {
    const first = (await graph.api('/users').get()) as Page<DirectoryObject>;
    expect(first.value).toHaveLength(100);
    const next = new URL(first['@odata.nextLink']!);
    expect(next.protocol).toBe('https:');
    expect(next.host).toBe(new URL(emulator.graphBaseUrl).host);
    expect(next.pathname).toBe('/v1.0/users');
    const all = await readAll(first);
    expect(all).toHaveLength(250);
    expect(new Set(all.map((u) => u.id)).size).toBe(250);
  });

  it('honours $top between 1 and 999 and rejects others', async () => {
    const page = (await graph.api('/users').top(7).get()) as Page<DirectoryObject>;
    expect(page.value).toHaveLength(7);
    for (const top of [0, 1000]) {
      const error: unknown = await graph
        .api('/users')
        .top(top)
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphError);
      expect((error as GraphError).statusCode).toBe(400);
      expect((error as GraphError).code).toBe('Request_UnsupportedQuery');
    }
  });

  it('returns accountEnabled and userType only when selected', async () => {
    const plain = (await graph.api('/users').top(5).get()) as Page<DirectoryObject>;
    for (const user of plain.value) {
      expect(user).not.toHaveProperty('accountEnabled');
      expect(user).not.toHaveProperty('userType');
      expect(user).toHaveProperty('userPrincipalName');
    }
    const selected = (await graph
      .api('/users')
      .select(['id', 'accountEnabled', 'userType'])
      .top(5)
      .get()) as Page<DirectoryObject>;
    for (const user of selected.value) {
      expect(Object.keys(user).sort()).toEqual(['accountEnabled', 'id', 'userType']);
    }
  });

  it('gives guests a #EXT# userPrincipalName and their address in mail', async () => {
    const guestId = tenant.guestIds[0]!;
    const guest = (await graph
      .api(`/users/${guestId}`)
      .select(['id', 'userPrincipalName', 'mail', 'userType'])
      .get()) as DirectoryObject;
    expect(guest.userType).toBe('Guest');
    expect(guest.userPrincipalName).toContain('#EXT#');
    expect(guest.mail).toMatch(/@/);
    expect(guest.userPrincipalName!.toLowerCase()).not.toContain(guest.mail!.toLowerCase());
  });

  it('filters users by id, startswith(displayName) and accountEnabled', async () => {
    const id = tenant.userIds[3]!;
    const byId = (await graph.api('/users').filter(`id eq '${id}'`).get()) as Page<DirectoryObject>;
    expect(byId.value.map((u) => u.id)).toEqual([id]);
    const someone = (await graph.api(`/users/${id}`).get()) as DirectoryObject;
    const prefix = someone.displayName!.slice(0, 3);
    const starts = (await graph
      .api('/users')
      .filter(`startswith(displayName,'${prefix.replace(/'/g, "''")}')`)
      .top(999)
      .get()) as Page<DirectoryObject>;
    expect(starts.value.length).toBeGreaterThan(0);
    expect(
      starts.value.every((u) => u.displayName!.toLowerCase().startsWith(prefix.toLowerCase())),
    ).toBe(true);
    const disabled = await readAll(
      (await graph
        .api('/users')
        .filter('accountEnabled eq false')
        .select(['id', 'accountEnabled'])
        .get()) as Page<DirectoryObject>,
    );
    expect(disabled.map((u) => u.id).sort()).toEqual([...tenant.disabledIds].sort());
  });

  it('lists users by id in (...): creation order, combined with other clauses, paged', async () => {
    const ids = [tenant.userIds[40]!, tenant.userIds[2]!, tenant.userIds[17]!, tenant.userIds[2]!];
    const list = ids.map((id) => `'${id.toUpperCase()}'`).join(',');
    const found = (await graph
      .api('/users')
      .filter(`id in (${list})`)
      .select(['id'])
      .get()) as Page<DirectoryObject>;
    // Ids compare without case; each user once, in the listing's (creation) order.
    expect(found.value.map((u) => u.id)).toEqual([
      tenant.userIds[2],
      tenant.userIds[17],
      tenant.userIds[40],
    ]);
    const disabled = tenant.userIds.find((id) => tenant.disabledIds.includes(id))!;
    const enabledOnly = (await graph
      .api('/users')
      .filter(`id in ('${disabled}','${tenant.userIds[2]}') and accountEnabled eq true`)
      .get()) as Page<DirectoryObject>;
    expect(enabledOnly.value.map((u) => u.id)).toEqual(
      tenant.disabledIds.includes(tenant.userIds[2]!) ? [] : [tenant.userIds[2]],
    );
    const many = tenant.userIds.slice(0, 15);
    const first = (await graph
      .api('/users')
      .filter(`id in (${many.map((id) => `'${id}'`).join(',')})`)
      .top(10)
      .get()) as Page<DirectoryObject>;
    expect(first.value).toHaveLength(10);
    expect((await readAll(first)).map((u) => u.id)).toEqual(many);
  });

  it('gets a user by id and by userPrincipalName; 404 Request_ResourceNotFound otherwise', async () => {
    const id = tenant.userIds[0]!;
    const user = (await graph.api(`/users/${id}`).get()) as DirectoryObject;
    const byUpn = (await graph
      .api(`/users/${encodeURIComponent(user.userPrincipalName!)}`)
      .get()) as DirectoryObject;
    expect(byUpn.id).toBe(id);
    const error = await graphErrorOf(
      graph.api('/users/00000000-0000-0000-0000-000000000001').get(),
    );
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers every request with request-id and client-request-id headers and Graph error bodies', async () => {
    const fetch = emulatorFetch(emulator);
    const response = await fetch(`${emulator.graphBaseUrl}/v1.0/users/nope`, {
      headers: { authorization: `Bearer ${await tokenFor()}`, 'client-request-id': 'abc-123' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('client-request-id')).toBe('abc-123');
    const body = (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe('Request_ResourceNotFound');
    expect(body.error.innerError['request-id']).toBe(response.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe('abc-123');
    expect(body.error.innerError['date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  async function tokenFor(): Promise<string> {
    const { acquireGraphToken } = await import('../helpers/emulator.js');
    return acquireGraphToken(emulator, tenant);
  }

  it('lists groups, filters startswith(displayName) and securityEnabled, gets one group', async () => {
    const groups = (await graph.api('/groups').get()) as Page<
      DirectoryObject & { securityEnabled: boolean }
    >;
    expect(groups.value).toHaveLength(6);
    const sync = (await graph
      .api('/groups')
      .filter("startswith(displayName,'Password Boss')")
      .get()) as Page<DirectoryObject>;
    expect(sync.value.map((g) => g.id)).toEqual([tenant.syncGroupId]);
    const security = (await graph.api('/groups').filter('securityEnabled eq true').get()) as Page<
      DirectoryObject & { securityEnabled: boolean }
    >;
    expect(security.value.every((g) => g.securityEnabled)).toBe(true);
    const one = (await graph.api(`/groups/${tenant.syncGroupId}`).get()) as DirectoryObject;
    expect(one.displayName).toBe('Password Boss Users');
  });

  it('searches groups with $search="displayName:x" only with ConsistencyLevel: eventual', async () => {
    const found = (await graph
      .api('/groups')
      .header('ConsistencyLevel', 'eventual')
      .search('"displayName:boss"')
      .count(true)
      .get()) as Page<DirectoryObject>;
    expect(found.value.map((g) => g.id)).toEqual([tenant.syncGroupId]);
    expect(found['@odata.count']).toBe(1);
    const error = await graphErrorOf(graph.api('/groups').search('"displayName:boss"').get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_UnsupportedQuery');
  });

  it('pages group members (default 100) with @odata.type on each member', async () => {
    const first = (await graph
      .api(`/groups/${tenant.syncGroupId}/members`)
      .get()) as Page<DirectoryObject>;
    expect(first.value).toHaveLength(100);
    expect(first['@odata.nextLink']).toMatch(
      /^https:\/\/localhost:\d+\/v1\.0\/groups\/.+\/members\?.*\$skiptoken=/,
    );
    const all = await readAll(first);
    expect(all).toHaveLength(120);
    expect(all.every((m) => m['@odata.type'] === '#microsoft.graph.user')).toBe(true);
  });

  it('pages server-side below $top when the tenant says so (listPageSize), listings and members', async () => {
    emulator.control.updateTenantSettings(tenant.tenantId, { listPageSize: 40 });
    try {
      const members = (await graph
        .api(`/groups/${tenant.syncGroupId}/members/microsoft.graph.user`)
        .top(999)
        .get()) as Page<DirectoryObject>;
      expect(members.value).toHaveLength(40);
      expect((await readAll(members)).length).toBe(120);
      const users = (await graph.api('/users').top(999).get()) as Page<DirectoryObject>;
      expect(users.value).toHaveLength(40);
      expect(new URL(users['@odata.nextLink']!).searchParams.get('$top')).toBe('999');
      const small = (await graph.api('/users').top(10).get()) as Page<DirectoryObject>;
      expect(small.value).toHaveLength(10);
    } finally {
      emulator.control.updateTenantSettings(tenant.tenantId, { listPageSize: 999 });
    }
  });

  it('lists non-user members with their type, and the microsoft.graph.user cast skips them', async () => {
    const group = emulator.control.createGroup(tenant.tenantId, { displayName: 'Mixed members' });
    const device = emulator.control.createDirectoryObject(tenant.tenantId, {
      type: 'device',
      displayName: 'LAPTOP-1',
    });
    const sp = emulator.control.createDirectoryObject(tenant.tenantId, {
      type: 'servicePrincipal',
      displayName: 'Robot',
    });
    emulator.control.addMembers(tenant.tenantId, group.id, [
      tenant.userIds[0]!,
      device.id,
      sp.id,
      tenant.groupIds[0]!,
    ]);
    const members = (await graph.api(`/groups/${group.id}/members`).get()) as Page<DirectoryObject>;
    expect(members.value.map((m) => m['@odata.type']).sort()).toEqual([
      '#microsoft.graph.device',
      '#microsoft.graph.group',
      '#microsoft.graph.servicePrincipal',
      '#microsoft.graph.user',
    ]);
    const users = (await graph
      .api(`/groups/${group.id}/members/microsoft.graph.user`)
      .get()) as Page<DirectoryObject>;
    expect(users.value.map((m) => m.id)).toEqual([tenant.userIds[0]]);
  });

  it('flattens nested groups in transitiveMembers, each object once, cycles tolerated', async () => {
    const c = emulator.control;
    const parent = c.createGroup(tenant.tenantId, { displayName: 'Parent' });
    const child = c.createGroup(tenant.tenantId, { displayName: 'Child' });
    const grandchild = c.createGroup(tenant.tenantId, { displayName: 'Grandchild' });
    const [u1, u2, u3] = tenant.userIds as [string, string, string];
    c.addMembers(tenant.tenantId, parent.id, [u1, child.id]);
    c.addMembers(tenant.tenantId, child.id, [u2, grandchild.id, u1]);
    c.addMembers(tenant.tenantId, grandchild.id, [u3, parent.id]);
    const direct = (await graph.api(`/groups/${parent.id}/members`).get()) as Page<DirectoryObject>;
    expect(direct.value.map((m) => m.id).sort()).toEqual([u1, child.id].sort());
    const transitive = (await graph
      .api(`/groups/${parent.id}/transitiveMembers`)
      .get()) as Page<DirectoryObject>;
    expect(transitive.value.map((m) => m.id).sort()).toEqual(
      [u1, u2, u3, child.id, grandchild.id].sort(),
    );
    const users = (await graph
      .api(`/groups/${parent.id}/transitiveMembers/microsoft.graph.user`)
      .top(2)
      .get()) as Page<DirectoryObject>;
    expect((await readAll(users)).map((m) => m.id).sort()).toEqual([u1, u2, u3].sort());
  });

  it('keeps paging stable when members are removed between pages', async () => {
    const group = emulator.control.createGroup(tenant.tenantId, { displayName: 'Churn' });
    emulator.control.addMembers(tenant.tenantId, group.id, tenant.userIds.slice(0, 30));
    const first = (await graph
      .api(`/groups/${group.id}/members`)
      .top(10)
      .get()) as Page<DirectoryObject>;
    for (const member of first.value.slice(0, 5))
      emulator.control.removeMember(tenant.tenantId, group.id, member.id);
    const rest = await readAll<DirectoryObject>({
      value: [],
      '@odata.nextLink': first['@odata.nextLink'],
    });
    expect(rest.map((m) => m.id)).toEqual(tenant.userIds.slice(10, 30));
  });
});
