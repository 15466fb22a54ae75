import { afterEach, describe, expect, it } from '@jest/globals';
import { MEMBERSHIPS_TO_EDGES } from '../../src/db/migrations/memberships-to-edges.js';
import { migrateDatabase } from '../../src/db/migrations/migrate.js';
import { edgeOf } from '../../src/db/models/directory-group-member.model.js';
import { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/**
 * A database written before memberships had their own collection: member id arrays on the
 * directory groups and a mirror of every selected group in the sync state. `migrate` converts it
 * (at start in development and tests), keeps the delta links, and the next delta run works from
 * the converted edges.
 */
describe('membership migration', () => {
  it('migrate converts member arrays to edges and the next delta run builds on them', async () => {
    h = await startSyncHarness({
      seed: { users: 20, groups: 2, syncGroupMembers: 12, membershipsPerUser: 2 },
    });
    await h.sync(SyncTrigger.INITIAL);
    const { DirectoryGroup, DirectoryGroupMember, SyncState } = h.engine.models;
    const groupsBefore = await h.groups();
    const storedBefore = await DirectoryGroupMember.find({}).sort({ _id: 1 }).lean();
    const edgesBefore = storedBefore.map((e) => ({ ...e, ...edgeOf(e._id) }));
    const stateBefore = await SyncState.findById(h.connectorId).lean();
    expect(edgesBefore.length).toBeGreaterThan(0);

    // Back to the old shape, as an earlier release left it.
    for (const group of groupsBefore) {
      const all = edgesBefore.filter((e) => e.groupId === group.entraId).map((e) => e.userId);
      await DirectoryGroup.collection.updateOne(
        { _id: group._id },
        { $set: { memberIds: group.memberIds, entraMemberIds: all }, $unset: { memberCount: '' } },
      );
    }
    const mirror = stateBefore!.selectedGroups.map((g) => ({
      id: g.id,
      name: g.name,
      memberIds: edgesBefore.filter((e) => e.groupId === g.id).map((e) => e.userId),
    }));
    await SyncState.collection.updateOne(
      { _id: h.connectorId as never },
      { $set: { groups: mirror }, $unset: { selectedGroups: '', managedUsers: '' } },
    );
    await DirectoryGroupMember.deleteMany({});
    await h.t.connection
      .db!.collection('migrations')
      .deleteOne({ _id: MEMBERSHIPS_TO_EDGES as never });

    await migrateDatabase(h.t.connection);

    const edgesAfter = await DirectoryGroupMember.find({}).sort({ _id: 1 }).lean();
    expect(edgesAfter).toEqual(storedBefore);
    const stateAfter = await SyncState.findById(h.connectorId).lean();
    expect(stateAfter!.selectedGroups).toEqual(stateBefore!.selectedGroups);
    expect(stateAfter!.usersDeltaLink).toBe(stateBefore!.usersDeltaLink);
    expect((stateAfter as unknown as Record<string, unknown>)['groups']).toBeUndefined();
    const raw = await DirectoryGroup.collection.find({}).toArray();
    expect(
      raw.every((g) => g['memberIds'] === undefined && typeof g['memberCount'] === 'number'),
    ).toBe(true);
    expect((await h.groups()).map((g) => [g.entraId, g.memberCount, g.memberIds.sort()])).toEqual(
      groupsBefore.map((g) => [g.entraId, g.memberCount, g.memberIds.sort()]),
    );

    // A member leaves a selected group: the delta run removes that one edge.
    const group = groupsBefore.find((g) => g.memberIds.length > 0)!;
    const leaving = group.memberIds[0]!;
    h.t.emulator!.control.removeMember(h.tenant.tenantId, group.entraId, leaving);
    const run = await h.sync(SyncTrigger.POLL, SyncMode.DELTA);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.mode).toBe(SyncMode.DELTA);
    expect(run.counts.membershipsRemoved).toBe(1);
    const updated = (await h.groups()).find((g) => g.entraId === group.entraId)!;
    expect(updated.memberIds).not.toContain(leaving);
    expect(updated.memberCount).toBe(group.memberCount - 1);
  });
});
