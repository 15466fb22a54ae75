/**
 * The change feed as the sync engine writes it: every applied change, in order, with every
 * membership; replaying the feed rebuilds the directory exactly, after full syncs, delta rounds,
 * group renames and removals, and an approved mass change.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { DirectoryEventType } from '../../src/domain/directory-event.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { startSyncHarness, type SyncHarness } from '../sync/sync-harness.js';
import { comparable, directoryModel, readFeed, replay } from './feed-model.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function expectFeedMatchesDirectory(harness: SyncHarness) {
  const records = await readFeed(harness.t.infra.feed, harness.companyId, 7);
  const model = replay(records);
  expect(comparable(model)).toEqual(await directoryModel(harness));
  // Cursors only grow and never repeat.
  const seqs = records.map((r) => r.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  return model;
}

describe('change feed from sync runs', () => {
  it('carries every user, group and membership of a full sync, then of delta rounds', async () => {
    h = await startSyncHarness({ seed: { users: 40, groups: 3, syncGroupMembers: 25 } });
    const initial = await h.sync(SyncTrigger.INITIAL);
    expect(initial.status).toBe(SyncRunStatus.SUCCEEDED);
    const first = await expectFeedMatchesDirectory(h);
    expect(first.users.size).toBe(initial.counts.usersCreated + initial.counts.usersPending);
    expect(first.groups.size).toBe(initial.counts.groupsCreated);
    const created = first.records.find((r) => r.type === DirectoryEventType.USER_CREATED)!;
    expect(created).toMatchObject({ connectorId: h.connectorId, runId: initial._id.toHexString() });
    expect(created.objectId).toMatch(/^[0-9a-f]{24}$/);
    // A created group is announced before its members.
    const groupId = [...first.groups.keys()][0]!;
    const ofGroup = first.records.filter((r) => r.entraId === groupId);
    expect(ofGroup[0]!.type).toBe('directory.group.created');
    expect(ofGroup.slice(1).every((r) => r.type === DirectoryEventType.GROUP_MEMBERS_CHANGED)).toBe(
      true,
    );

    const control = h.t.emulator!.control;
    const { tenantId, syncGroupId } = h.tenant;
    const users = await h.users();
    const outsider = h.tenant.userIds.find((id) => !users.some((u) => u.entraId === id))!;
    control.addMembers(tenantId, syncGroupId, [outsider]);
    control.addMembers(tenantId, groupId, [outsider]);
    control.removeMember(tenantId, syncGroupId, users[0]!.entraId!);
    control.updateUser(tenantId, users[1]!.entraId!, { displayName: 'Feed Renamed' });
    control.disableUser(tenantId, users[2]!.entraId!);
    control.updateGroup(tenantId, groupId, { displayName: 'Renamed Group' });
    const delta = await h.sync(SyncTrigger.POLL);
    expect(delta.status).toBe(SyncRunStatus.SUCCEEDED);
    const second = await expectFeedMatchesDirectory(h);
    const fresh = second.records.slice(first.records.length);
    const types = fresh.map((r) => `${r.type}:${r.entraId}`);
    expect(types).toEqual(
      expect.arrayContaining([
        `directory.user.created:${outsider}`,
        `directory.user.disabled:${users[0]!.entraId!}`,
        `directory.user.updated:${users[1]!.entraId!}`,
        `directory.user.disabled:${users[2]!.entraId!}`,
        `directory.group.updated:${groupId}`,
      ]),
    );
    const disabled = fresh.find((r) => r.entraId === users[2]!.entraId)!;
    expect(disabled.before).toMatchObject({ status: 'ACTIVE' });
    expect(disabled.after).toMatchObject({ status: 'DISABLED', statusReason: 'DISABLED_IN_ENTRA' });
    expect(fresh.every((r) => r.runId === delta._id.toHexString())).toBe(true);

    control.removeMember(tenantId, groupId, outsider);
    control.deleteGroup(tenantId, groupId);
    await h.sync(SyncTrigger.POLL);
    await h.sync(SyncTrigger.RECONCILE);
    const third = await expectFeedMatchesDirectory(h);
    expect(third.records.some((r) => r.type === DirectoryEventType.GROUP_DELETED)).toBe(true);
  }, 120_000);

  it('announces an approved mass change, and nothing for a rejected one', async () => {
    h = await startSyncHarness({
      seed: { users: 40, groups: 1, syncGroupMembers: 30 },
      rules: { massChangeThresholdPercent: 10, massChangeThresholdAbsolute: 3 },
    });
    await h.sync(SyncTrigger.INITIAL);
    const before = (await readFeed(h.t.infra.feed, h.companyId)).length;
    const control = h.t.emulator!.control;
    const users = await h.users();
    for (const user of users.slice(0, 5)) {
      control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, user.entraId!);
    }
    const staged = await h.sync(SyncTrigger.POLL);
    expect(staged.status).toBe(SyncRunStatus.NEEDS_APPROVAL);
    // The leavers' memberships left the groups' scope with the run; their disables wait.
    const waiting = (await readFeed(h.t.infra.feed, h.companyId)).slice(before);
    expect(waiting.map((r) => r.type)).toEqual(['directory.group.members_changed']);
    expect(waiting[0]!.members!.removed.length).toBeGreaterThan(0);
    await expectFeedMatchesDirectory(h);
    await h.engine.approvals.decide(staged._id.toHexString(), true, 'admin');
    const model = await expectFeedMatchesDirectory(h);
    const approved = model.records.slice(before + waiting.length);
    expect(approved.map((r) => r.type)).toEqual(Array(5).fill('directory.user.disabled'));
    expect(approved.every((r) => r.runId === staged._id.toHexString())).toBe(true);

    for (const user of users.slice(5, 10)) {
      control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, user.entraId!);
    }
    const rejected = await h.sync(SyncTrigger.POLL);
    const length = (await readFeed(h.t.infra.feed, h.companyId)).length;
    await h.engine.approvals.decide(rejected._id.toHexString(), false, 'admin');
    expect(await readFeed(h.t.infra.feed, h.companyId)).toHaveLength(length);
  }, 120_000);
});
