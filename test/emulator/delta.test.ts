import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import {
  createGraphClient,
  emulatorFetch,
  acquireGraphToken,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
  graphErrorOf,
} from '../helpers/emulator.js';

interface Removed {
  reason: 'changed' | 'deleted';
}
interface MemberRef {
  '@odata.type': string;
  id: string;
  '@removed'?: Removed;
}
interface DeltaItem {
  id: string;
  displayName?: string;
  jobTitle?: string;
  accountEnabled?: boolean;
  '@removed'?: Removed;
  'members@delta'?: MemberRef[];
}
interface DeltaPage {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: DeltaItem[];
}

/** Follows nextLinks to the deltaLink, as a client must (even past empty pages). */
async function round(graph: Client, first: string, headers: Record<string, string> = {}) {
  const pages: DeltaPage[] = [];
  let url: string | undefined = first;
  while (url) {
    let request = graph.api(url);
    for (const [name, value] of Object.entries(headers)) request = request.header(name, value);
    const page = (await request.get()) as DeltaPage;
    pages.push(page);
    if (page['@odata.deltaLink'])
      return { pages, items: pages.flatMap((p) => p.value), deltaLink: page['@odata.deltaLink'] };
    url = page['@odata.nextLink'];
    if (!url) throw new Error('a delta page carried neither nextLink nor deltaLink');
  }
  throw new Error('unreachable');
}

/** Merges chunks of members@delta per group, as clients must. */
function membersByGroup(items: DeltaItem[]) {
  const out = new Map<string, { added: Set<string>; removed: Set<string> }>();
  for (const item of items) {
    if (!item['members@delta']) continue;
    let entry = out.get(item.id);
    if (!entry) out.set(item.id, (entry = { added: new Set(), removed: new Set() }));
    for (const member of item['members@delta'])
      (member['@removed'] ? entry.removed : entry.added).add(member.id);
  }
  return out;
}

/** graph-facts §5: delta query for users and groups. */
describe('Graph: delta query', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let graph: Client;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 230, groups: 4, syncGroupMembers: 180 });
    graph = createGraphClient(emulator, tenant);
  });
  afterAll(() => emulator.stop());

  it('pages users with absolute https nextLinks until a final deltaLink; query options baked in', async () => {
    const { pages, items, deltaLink } = await round(
      graph,
      '/users/delta?$select=displayName,jobTitle',
    );
    expect(pages.length).toBe(3);
    expect(items).toHaveLength(230);
    for (const page of pages.slice(0, -1)) {
      const next = new URL(page['@odata.nextLink']!);
      expect(next.origin).toBe(emulator.graphBaseUrl);
      expect(next.pathname).toBe('/v1.0/users/delta');
      expect([...next.searchParams.keys()]).toEqual(['$skiptoken']);
      expect(page['@odata.deltaLink']).toBeUndefined();
    }
    const link = new URL(deltaLink);
    expect(link.origin).toBe(emulator.graphBaseUrl);
    expect([...link.searchParams.keys()]).toEqual(['$deltatoken']);
    for (const item of items)
      expect(Object.keys(item).sort()).toEqual(['displayName', 'id', 'jobTitle']);
  });

  it('a deltaLink returns only changes, tracking only selected properties', async () => {
    const first = await round(graph, '/users/delta?$select=displayName,jobTitle');
    const [changedTitle, changedDept] = tenant.userIds as [string, string];
    emulator.control.updateUser(tenant.tenantId, changedTitle, { jobTitle: 'Chief Tester' });
    emulator.control.updateUser(tenant.tenantId, changedDept, { department: 'Untracked' });
    const second = await round(graph, first.deltaLink);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]).toMatchObject({ id: changedTitle, jobTitle: 'Chief Tester' });
    expect(Object.keys(second.items[0]!).sort()).toEqual(['displayName', 'id', 'jobTitle']);
    const third = await round(graph, second.deltaLink);
    expect(third.items).toEqual([]);
  });

  it('an incremental round reads the changed users only: one page for three changes among 120,000', async () => {
    const large = await seedTestTenant(emulator, {
      users: 120_000,
      groups: 1,
      syncGroupMembers: 10,
    });
    const client = createGraphClient(emulator, large);
    const latest = await round(client, '/users/delta?$select=displayName&$deltatoken=latest');
    const [first, middle, last] = [0, 60_000, 119_999].map((i) => large.userIds[i]!) as [
      string,
      string,
      string,
    ];
    for (const id of [last, first, middle]) {
      emulator.control.updateUser(large.tenantId, id, { displayName: `Changed ${id}` });
    }
    const changes = await round(client, latest.deltaLink);
    // Reading every user, 50,000 a page, took three requests (two of them empty).
    expect(changes.pages).toHaveLength(1);
    expect(changes.items.map((item) => item.id)).toEqual([first, middle, last]);
    expect((await round(client, changes.deltaLink)).items).toEqual([]);
  });

  it('reports soft deletion as @removed changed, hard deletion as @removed deleted, restore as an object', async () => {
    const start = await round(graph, '/users/delta?$select=displayName,accountEnabled');
    const [soft, hard, disabled] = tenant.userIds.slice(10, 13) as [string, string, string];
    emulator.control.softDeleteUser(tenant.tenantId, soft);
    emulator.control.hardDeleteUser(tenant.tenantId, hard);
    emulator.control.disableUser(tenant.tenantId, disabled);
    const created = emulator.control.createUser(tenant.tenantId, {
      displayName: 'New Hire',
      userPrincipalName: `new.hire@${tenant.defaultDomain}`,
    });
    const changes = await round(graph, start.deltaLink);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    expect(byId.get(soft)).toEqual({ id: soft, '@removed': { reason: 'changed' } });
    expect(byId.get(hard)).toEqual({ id: hard, '@removed': { reason: 'deleted' } });
    expect(byId.get(disabled)).toMatchObject({ accountEnabled: false });
    expect(byId.get(created.id)).toMatchObject({ displayName: 'New Hire', accountEnabled: true });
    emulator.control.restoreUser(tenant.tenantId, soft);
    const restored = await round(graph, changes.deltaLink);
    expect(restored.items.map((i) => i.id)).toEqual([soft]);
    expect(restored.items[0]).not.toHaveProperty('@removed');
  });

  it('$deltatoken=latest returns no data and a deltaLink that sees later changes only', async () => {
    const latest = (await graph
      .api('/users/delta?$deltatoken=latest&$select=displayName')
      .get()) as DeltaPage;
    expect(latest.value).toEqual([]);
    expect(latest['@odata.nextLink']).toBeUndefined();
    const user = tenant.userIds[40]!;
    emulator.control.updateUser(tenant.tenantId, user, { displayName: 'Renamed Person' });
    const changes = await round(graph, latest['@odata.deltaLink']!);
    expect(changes.items).toEqual([{ id: user, displayName: 'Renamed Person' }]);
  });

  it("$filter=id eq '..' or id eq '..' limits the round; more than 50 ids is refused", async () => {
    const ids = tenant.userIds.slice(50, 53);
    const filter = ids.map((id) => `id eq '${id}'`).join(' or ');
    const filtered = await round(
      graph,
      `/users/delta?$filter=${encodeURIComponent(filter)}&$select=displayName`,
    );
    expect(filtered.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    emulator.control.updateUser(tenant.tenantId, ids[0]!, { displayName: 'Filtered Change' });
    emulator.control.updateUser(tenant.tenantId, tenant.userIds[60]!, {
      displayName: 'Outside Filter',
    });
    const changes = await round(graph, filtered.deltaLink);
    expect(changes.items.map((i) => i.id)).toEqual([ids[0]]);
    const tooMany = tenant.userIds
      .slice(0, 51)
      .map((id) => `id eq '${id}'`)
      .join(' or ');
    const error = await graphErrorOf(
      graph.api(`/users/delta?$filter=${encodeURIComponent(tooMany)}`).get(),
    );
    expect(error.statusCode).toBe(400);
  });

  it('refuses $top, $orderby and other filters on delta', async () => {
    for (const query of [
      '$top=5',
      '$orderby=displayName',
      `$filter=${encodeURIComponent("startswith(displayName,'a')")}`,
    ]) {
      const error = await graphErrorOf(graph.api(`/users/delta?${query}`).get());
      expect(error).toBeInstanceOf(GraphError);
      expect(error.statusCode).toBe(400);
    }
  });

  it('groups: members@delta lists members, a large group spans pages in chunks that merge', async () => {
    emulator.control.updateTenantSettings(tenant.tenantId, { deltaMembersPerPage: 50 });
    try {
      const { pages, items } = await round(graph, '/groups/delta?$select=displayName,members');
      const syncEntries = items.filter((i) => i.id === tenant.syncGroupId);
      expect(syncEntries.length).toBeGreaterThanOrEqual(4);
      for (const entry of syncEntries) expect(entry.displayName).toBe('Password Boss Users');
      expect(
        pages.every((p) => p.value.flatMap((i) => i['members@delta'] ?? []).length <= 50),
      ).toBe(true);
      const merged = membersByGroup(items).get(tenant.syncGroupId)!;
      const expected = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
      expect([...merged.added].sort()).toEqual([...expected].sort());
      expect(merged.removed.size).toBe(0);
      for (const ref of syncEntries.flatMap((i) => i['members@delta'] ?? []))
        expect(ref['@odata.type']).toBe('#microsoft.graph.user');
    } finally {
      emulator.control.updateTenantSettings(tenant.tenantId, { deltaMembersPerPage: 500 });
    }
  });

  it('groups: membership changes come as members@delta with @removed deleted for removals', async () => {
    const start = await round(graph, '/groups/delta?$select=displayName,members');
    const group = tenant.syncGroupId;
    const current = emulator.control.getGroup(tenant.tenantId, group).memberIds;
    const leaving = current[0]!;
    const joining = tenant.userIds.find((id) => !current.includes(id))!;
    emulator.control.removeMember(tenant.tenantId, group, leaving);
    emulator.control.addMembers(tenant.tenantId, group, [joining]);
    const changes = await round(graph, start.deltaLink);
    expect(changes.items).toHaveLength(1);
    expect(changes.items[0]).toMatchObject({ id: group, displayName: 'Password Boss Users' });
    expect(changes.items[0]!['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: leaving, '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.user', id: joining },
    ]);
  });

  it('groups: without members in $select, membership changes are not tracked', async () => {
    const start = await round(graph, '/groups/delta?$select=displayName');
    emulator.control.addMembers(tenant.tenantId, tenant.groupIds[0]!, [tenant.userIds[100]!]);
    expect((await round(graph, start.deltaLink)).items).toEqual([]);
    emulator.control.updateGroup(tenant.tenantId, tenant.groupIds[0]!, {
      displayName: 'Renamed Group',
    });
    const renamed = await round(graph, start.deltaLink);
    expect(renamed.items).toEqual([{ id: tenant.groupIds[0], displayName: 'Renamed Group' }]);
  });

  it('groups: a deleted group comes as @removed deleted; a soft-deleted one as changed', async () => {
    const start = await round(graph, '/groups/delta?$select=displayName,members');
    const hard = emulator.control.createGroup(tenant.tenantId, { displayName: 'Temp hard' });
    const soft = emulator.control.createGroup(tenant.tenantId, {
      displayName: 'Temp soft',
      groupTypes: ['Unified'],
    });
    const mid = await round(graph, start.deltaLink);
    expect(mid.items.map((i) => i.id).sort()).toEqual([hard.id, soft.id].sort());
    emulator.control.deleteGroup(tenant.tenantId, hard.id);
    emulator.control.deleteGroup(tenant.tenantId, soft.id, { soft: true });
    const after = await round(graph, mid.deltaLink);
    expect(after.items).toEqual(
      expect.arrayContaining([
        { id: hard.id, '@removed': { reason: 'deleted' } },
        { id: soft.id, '@removed': { reason: 'changed' } },
      ]),
    );
  });

  it('Prefer: odata.maxpagesize sets the page size of the round', async () => {
    const { pages } = await round(graph, '/users/delta?$select=displayName', {
      Prefer: 'odata.maxpagesize=40',
    });
    expect(pages[0]!.value).toHaveLength(40);
  });

  it('a deltaLink expires after 7 days: 400 syncStateNotFound', async () => {
    const other = await startTestEmulator();
    try {
      const seeded = await seedTestTenant(other, { users: 3, groups: 0 });
      const client = createGraphClient(other, seeded, { freshTokens: true });
      const { deltaLink } = await round(client, '/users/delta');
      other.control.advanceClock(6 * 24 * 3600_000);
      await round(client, deltaLink);
      other.control.advanceClock(24 * 3600_000 + 1000);
      const error = await graphErrorOf(client.api(deltaLink).get());
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe('syncStateNotFound');
    } finally {
      await other.stop();
    }
  });

  it('expiring all delta tokens (control API) answers 400 syncStateNotFound, new rounds work', async () => {
    const { deltaLink } = await round(graph, '/users/delta?$select=displayName');
    emulator.control.expireDeltaTokens(tenant.tenantId);
    const error = await graphErrorOf(graph.api(deltaLink).get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('syncStateNotFound');
    const fresh = await round(graph, '/users/delta?$select=displayName');
    await expect(round(graph, fresh.deltaLink)).resolves.toBeDefined();
  });

  it('a forced reset answers 410 Gone with a Location holding the initial query', async () => {
    const { deltaLink } = await round(graph, '/groups/delta?$select=displayName,members');
    emulator.control.forceDeltaReset(tenant.tenantId);
    const token = await acquireGraphToken(emulator, tenant);
    const response = await emulatorFetch(emulator)(deltaLink, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(410);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(emulator.graphBaseUrl);
    expect(location.pathname).toBe('/v1.0/groups/delta');
    expect(location.searchParams.get('$select')).toBe('displayName,members');
    expect(location.searchParams.has('$deltatoken')).toBe(false);
    const again = await round(graph, location.toString());
    expect(again.items.length).toBeGreaterThan(0);
  });

  it('the deltaReplays fault serves the changes of the previous round again', async () => {
    const start = await round(graph, '/users/delta?$select=jobTitle');
    const [a, b] = tenant.userIds.slice(70, 72) as [string, string];
    emulator.control.updateUser(tenant.tenantId, a, { jobTitle: 'First change' });
    const first = await round(graph, start.deltaLink);
    expect(first.items.map((i) => i.id)).toEqual([a]);
    emulator.control.updateUser(tenant.tenantId, b, { jobTitle: 'Second change' });
    emulator.control.setFaults(tenant.tenantId, { deltaReplays: true });
    try {
      const replayed = await round(graph, first.deltaLink);
      expect(replayed.items.map((i) => i.id).sort()).toEqual([a, b].sort());
    } finally {
      emulator.control.clearFaults(tenant.tenantId);
    }
    const normal = await round(graph, first.deltaLink);
    expect(normal.items.map((i) => i.id)).toEqual([b]);
  });

  it('a tampered token is refused', async () => {
    const error = await graphErrorOf(graph.api('/users/delta?$deltatoken=not-a-token').get());
    expect(error.statusCode).toBe(400);
  });
});
