import { afterEach, describe, expect, it } from '@jest/globals';
import { ConnectorStatus, SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { DirectoryUserStatus } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const reconcile = (harness: SyncHarness) => harness.sync(SyncTrigger.RECONCILE, SyncMode.FULL);

/**
 * A full read finds the users who left by sweeping the managed users it did not see; whether they
 * were removed or deleted is then asked of Graph. When that cannot be read, nobody is
 * deprovisioned, the run says why, and the next run catches up.
 */
describe('the sweep for users who left', () => {
  it('an unreadable lookup of the leavers deprovisions nobody; the next run does', async () => {
    h = await startSyncHarness({ seed: { users: 14, groups: 1, syncGroupMembers: 10 } });
    await h.sync(SyncTrigger.INITIAL);
    const control = h.t.emulator!.control;
    const [a, b] = await h.users();
    control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, a!.entraId!);
    control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, b!.entraId!);
    control.setFaults(h.tenant.tenantId, {
      failMatching: { contains: '/users?$filter=id in', status: 503, times: 50 },
    });

    const run = await reconcile(h);
    expect(run.status).toBe(SyncRunStatus.PARTIAL);
    expect(run.counts.usersDisabled + run.counts.usersDeleted).toBe(0);
    expect(run.notes.join(' ')).toMatch(/could not be looked up.*no user was disabled or deleted/);
    expect((await h.users()).every((u) => u.status === DirectoryUserStatus.ACTIVE)).toBe(true);
    const connector = await h.t.infra.models.Connector.findById(h.connectorId).lean();
    expect(connector?.status).toBe(ConnectorStatus.ERROR);

    control.clearFaults(h.tenant.tenantId);
    const healed = await reconcile(h);
    expect(healed.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(healed.counts.usersDisabled).toBe(2);
    expect((await h.user(a!.entraId!))?.status).toBe(DirectoryUserStatus.DISABLED);
  });

  it('a count kept wrong by a run that stopped half-way is not trusted: the leaver is found', async () => {
    h = await startSyncHarness({ seed: { users: 14, groups: 1, syncGroupMembers: 10 } });
    await h.sync(SyncTrigger.INITIAL);
    const [leaver] = await h.users();
    h.t.emulator!.control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, leaver!.entraId!);
    // As a run that crashed after its writes and before saving the state would leave it: the
    // count says the nine still listed are everyone, which would hide the leaver.
    await h.engine.models.SyncState.updateOne(
      { _id: h.connectorId },
      { $set: { managedUsers: 9, pendingRunId: 'crashed-run' } },
    );
    const run = await h.sync(SyncTrigger.MANUAL, SyncMode.FULL);
    expect(run.counts.usersDisabled).toBe(1);
    expect((await h.user(leaver!.entraId!))?.status).toBe(DirectoryUserStatus.DISABLED);
    const state = await h.engine.models.SyncState.findById(h.connectorId).lean();
    expect(state).toMatchObject({ managedUsers: 10, pendingRunId: null });
  });
});
