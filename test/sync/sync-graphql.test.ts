import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

describe('sync GraphQL API', () => {
  let h: SyncHarness;
  let partner: string;
  let stranger: string;
  let runId: string;
  beforeAll(async () => {
    h = await startSyncHarness({
      seed: { users: 40, groups: 2, syncGroupMembers: 30 },
      rules: { massChangeThresholdAbsolute: 2 },
    });
    partner = await h.t.jwt({ role: 'PARTNER_ADMIN', partnerId: h.partnerId });
    stranger = await h.t.jwt({ role: 'PARTNER_ADMIN', partnerId: 'someone-else' });
    runId = (await h.sync(SyncTrigger.INITIAL))._id.toHexString();
  });
  afterAll(async () => h.stop());

  it('lists runs and pages through a run change log', async () => {
    const { data, errors } = await h.t.gql<{
      syncRuns: {
        nodes: { id: string; status: string; counts: { usersCreated: number } }[];
        totalCount: number;
      };
    }>(
      partner,
      `query($c: ID!) { syncRuns(connectorId: $c, first: 5) { totalCount nodes { id status counts { usersCreated } } } }`,
      { c: h.connectorId },
    );
    expect(errors).toBeUndefined();
    expect(data?.syncRuns.totalCount).toBe(1);
    expect(data?.syncRuns.nodes[0]).toMatchObject({
      id: runId,
      status: 'SUCCEEDED',
      counts: { usersCreated: 30 },
    });

    const query = `query($id: ID!, $after: String) { syncRun(id: $id) { id graphRequests problems { code message }
      changes(first: 20, after: $after) { totalCount hasNextPage endCursor pageInfo { hasNextPage endCursor }
        edges { cursor node { seq } } nodes { seq action rule state after } } } }`;
    type Page = {
      syncRun: {
        problems: unknown[];
        changes: {
          totalCount: number;
          hasNextPage: boolean;
          endCursor: string;
          pageInfo: { hasNextPage: boolean; endCursor: string };
          edges: { cursor: string; node: { seq: number } }[];
          nodes: { seq: number; rule: string }[];
        };
      };
    };
    const first = await h.t.gql<Page>(partner, query, { id: runId });
    expect(first.errors).toBeUndefined();
    expect(first.data!.syncRun.problems).toEqual([]);
    const changes = first.data!.syncRun.changes;
    expect(changes.nodes).toHaveLength(20);
    expect(changes.edges.map((e) => e.node.seq)).toEqual(changes.nodes.map((n) => n.seq));
    expect(changes.pageInfo).toEqual({ hasNextPage: true, endCursor: changes.edges[19]!.cursor });
    // The pre-Relay fields (deprecated) say the same for one release.
    expect(changes).toMatchObject({ hasNextPage: true, endCursor: changes.pageInfo.endCursor });
    const second = await h.t.gql<Page>(partner, query, {
      id: runId,
      after: changes.pageInfo.endCursor,
    });
    expect(second.data!.syncRun.changes.nodes[0]?.seq).toBe(20);
    expect(second.data!.syncRun.changes.nodes.every((c) => c.rule.length > 0)).toBe(true);
    // An edge's cursor continues right after it.
    const fromFifth = await h.t.gql<Page>(partner, query, {
      id: runId,
      after: changes.edges[4]!.cursor,
    });
    expect(fromFifth.data!.syncRun.changes.nodes[0]?.seq).toBe(5);
  });

  it('keeps runs and the directory inside the caller scope', async () => {
    const run = await h.t.gql(stranger, `query($id: ID!) { syncRun(id: $id) { id } }`, {
      id: runId,
    });
    expect(run.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const users = await h.t.gql(
      stranger,
      `query($c: ID!) { directoryUsers(companyId: $c) { totalCount } }`,
      { c: h.companyId },
    );
    expect(users.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('searches and filters directory users and lists directory groups', async () => {
    const some = (await h.users())[0]!;
    const { data, errors } = await h.t.gql<{
      directoryUsers: { totalCount: number; nodes: { email: string; managedBy: string }[] };
      directoryGroups: { name: string; memberCount: number }[];
    }>(
      partner,
      `query($c: ID!, $s: String) { directoryUsers(companyId: $c, managedBy: AZURE_AD, status: ACTIVE, search: $s, first: 10) { totalCount nodes { email managedBy } } directoryGroups(companyId: $c) { name memberCount } }`,
      { c: h.companyId, s: some.email },
    );
    expect(errors).toBeUndefined();
    expect(data?.directoryUsers.nodes).toEqual([{ email: some.email, managedBy: 'AZURE_AD' }]);
    expect(data?.directoryGroups.length).toBeGreaterThan(0);
  });

  it('previews, then approves a NEEDS_APPROVAL run through mutations', async () => {
    const control = h.t.emulator!.control;
    for (const user of (await h.users()).slice(0, 5))
      control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, user.entraId!);
    const preview = await h.t.gql<{
      previewSync: { changes: { action: string; rule: string; state: string }[] };
    }>(
      partner,
      `query($c: ID!) { previewSync(connectorId: $c) { changes { action rule state } } }`,
      { c: h.connectorId },
    );
    expect(preview.errors).toBeUndefined();
    expect(preview.data!.previewSync.changes.filter((c) => c.action === 'DISABLE')).toHaveLength(5);
    expect(preview.data!.previewSync.changes[0]).toMatchObject({
      rule: 'userRemovedFromGroup',
      state: 'STAGED',
    });

    const run = await h.sync(SyncTrigger.MANUAL);
    expect(run.status).toBe('NEEDS_APPROVAL');
    const approved = await h.t.gql<{
      approveSyncRun: { status: string; counts: { usersDisabled: number } };
    }>(
      partner,
      `mutation($id: ID!) { approveSyncRun(runId: $id) { status counts { usersDisabled } } }`,
      { id: run._id.toHexString() },
    );
    expect(approved.errors).toBeUndefined();
    expect(approved.data?.approveSyncRun).toEqual({
      status: 'SUCCEEDED',
      counts: { usersDisabled: 5 },
    });
    const again = await h.t.gql(
      partner,
      `mutation($id: ID!) { rejectSyncRun(runId: $id) { status } }`,
      { id: run._id.toHexString() },
    );
    expect(again.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
  });
});
