import { afterEach, describe, expect, it } from '@jest/globals';
import { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const delta = (harness: SyncHarness) => harness.sync(SyncTrigger.POLL);

describe('delta sync', () => {
  it('an idle delta sync costs at most 2 Graph requests', async () => {
    h = await startSyncHarness({ seed: { users: 20, groups: 4, syncGroupMembers: 10 } });
    await h.sync(SyncTrigger.INITIAL);
    const before = h.t.emulator!.control.counters();
    const run = await delta(h);
    const after = h.t.emulator!.control.counters();
    expect(run.mode).toBe(SyncMode.DELTA);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.graphRequests).toBeLessThanOrEqual(2);
    expect(graphTotal(after) - graphTotal(before)).toBeLessThanOrEqual(2);
  });

  it('applies adds, removals, renames and Entra disables from delta rounds', async () => {
    h = await startSyncHarness({ seed: { users: 20, groups: 3, syncGroupMembers: 8 } });
    await h.sync(SyncTrigger.INITIAL);
    const control = h.t.emulator!.control;
    const { tenantId, syncGroupId } = h.tenant;
    const users = await h.users();
    const outsider = h.tenant.userIds.find((id) => !users.some((u) => u.entraId === id))!;
    control.addMembers(tenantId, syncGroupId, [outsider]);
    control.removeMember(tenantId, syncGroupId, users[0]!.entraId!);
    control.updateUser(tenantId, users[1]!.entraId!, { displayName: 'Delta Renamed' });
    control.disableUser(tenantId, users[2]!.entraId!);
    const run = await delta(h);
    expect(run.mode).toBe(SyncMode.DELTA);
    expect(run.counts).toMatchObject({ usersCreated: 1, usersDisabled: 2, usersUpdated: 1 });
    expect((await h.user(outsider))?.status).toBe(DirectoryUserStatus.ACTIVE);
    expect((await h.user(users[0]!.entraId!))?.statusReason).toBe('REMOVED_FROM_GROUP');
    expect((await h.user(users[1]!.entraId!))?.displayName).toBe('Delta Renamed');
    expect((await h.user(users[2]!.entraId!))?.statusReason).toBe('DISABLED_IN_ENTRA');

    control.enableUser(tenantId, users[2]!.entraId!);
    control.softDeleteUser(tenantId, users[3]!.entraId!);
    const next = await delta(h);
    expect(next.counts).toMatchObject({ usersEnabled: 1, usersDisabled: 1 });
    expect((await h.user(users[3]!.entraId!))?.statusReason).toBe('DELETED_IN_ENTRA');
  });

  it('recovers with a full sync after a 410 reset, and after syncStateNotFound', async () => {
    h = await startSyncHarness();
    await h.sync(SyncTrigger.INITIAL);
    const control = h.t.emulator!.control;
    const victim = (await h.users())[0]!;
    control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, victim.entraId!);
    control.forceDeltaReset(h.tenant.tenantId);
    const run = await delta(h);
    expect(run.mode).toBe(SyncMode.FULL);
    expect(run.notes.join(' ')).toMatch(/410/);
    expect(run.counts.usersDisabled).toBe(1);
    const idle = await delta(h);
    expect(idle.mode).toBe(SyncMode.DELTA);

    control.expireDeltaTokens(h.tenant.tenantId);
    const expired = await delta(h);
    expect(expired.mode).toBe(SyncMode.FULL);
    expect(expired.status).toBe(SyncRunStatus.SUCCEEDED);
  });

  it('is idempotent under delta replays', async () => {
    h = await startSyncHarness();
    await h.sync(SyncTrigger.INITIAL);
    const control = h.t.emulator!.control;
    const user = (await h.users())[0]!;
    control.updateUser(h.tenant.tenantId, user.entraId!, { displayName: 'Replayed' });
    control.setFaults(h.tenant.tenantId, { deltaReplays: true });
    const first = await delta(h);
    expect(first.counts.usersUpdated).toBe(1);
    const replay = await delta(h);
    expect(replay.counts.usersUpdated).toBe(0);
    expect(replay.changeCount).toBe(0);
  });

  it('keeps selected groups in step: in-scope members only, renamed in place, empty groups not created', async () => {
    h = await startSyncHarness({
      seed: { users: 20, groups: 3, syncGroupMembers: 8, membershipsPerUser: 2 },
    });
    await h.sync(SyncTrigger.INITIAL);
    const groups = await h.groups();
    const inScope = new Set((await h.users()).map((u) => u.entraId));
    for (const group of groups) {
      expect(group.memberIds.length).toBeGreaterThan(0);
      expect(group.memberIds.every((id) => inScope.has(id))).toBe(true);
    }
    const target = groups[0]!;
    h.t.emulator!.control.updateGroup(h.tenant.tenantId, target.entraId, {
      displayName: 'Renamed Group',
    });
    await delta(h);
    const renamed = (await h.groups()).find((g) => g.entraId === target.entraId);
    expect(renamed?._id.equals(target._id)).toBe(true);
    expect(renamed?.name).toBe('Renamed Group');
  });
});

/** Graph requests (not token or control calls) the emulator has answered. */
function graphTotal(counters: { requestsByRoute: Record<string, number> }): number {
  return Object.entries(counters.requestsByRoute)
    .filter(([route]) => route.includes('/v1.0/'))
    .reduce((sum, [, count]) => sum + count, 0);
}
