import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';

describe('delta sync with more than 50 selected groups (unfiltered /groups/delta)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({
      seed: { users: 60, groups: 60, syncGroupMembers: 40, membershipsPerUser: 3 },
    });
  });
  afterAll(async () => h.stop());

  it('keeps one groups link (idle = 2 requests) and applies membership changes', async () => {
    await h.sync(SyncTrigger.INITIAL);
    const idle = await h.sync(SyncTrigger.POLL);
    expect(idle.mode).toBe(SyncMode.DELTA);
    expect(idle.graphRequests).toBeLessThanOrEqual(2);
    const control = h.t.emulator!.control;
    const users = await h.users();
    const outsider = h.tenant.userIds.find((id) => !users.some((u) => u.entraId === id))!;
    control.addMembers(h.tenant.tenantId, h.tenant.syncGroupId, [outsider]);
    control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, users[0]!.entraId!);
    const run = await h.sync(SyncTrigger.POLL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.mode).toBe(SyncMode.DELTA);
    expect(run.counts.usersCreated).toBe(1);
    expect(run.counts.usersDisabled).toBe(1);
    const groups = await h.groups();
    expect(groups.some((g) => g.memberIds.includes(users[0]!.entraId!))).toBe(false);
  });
});
