import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConnectorStatus, SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus, ManagedBy } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { ChangeAction } from '../../src/domain/change.js';

describe('full sync against the emulator', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({
      seed: {
        users: 14,
        groups: 3,
        syncGroupMembers: 8,
        syncGroupNonUserMembers: 2,
        guestShare: 0,
      },
    });
  });
  afterAll(async () => h.stop());

  it('creates every user member of the sync group (devices and service principals skipped)', async () => {
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.mode).toBe(SyncMode.FULL);
    const users = await h.users();
    expect(users).toHaveLength(8);
    expect(run.counts.usersCreated).toBe(8);
    expect(run.graphRequests).toBeGreaterThan(0);
    expect(
      users.every(
        (u) => u.status === DirectoryUserStatus.ACTIVE && u.managedBy === ManagedBy.AZURE_AD,
      ),
    ).toBe(true);
    const connector = await h.t.infra.models.Connector.findById(h.connectorId).lean();
    expect(connector?.status).toBe(ConnectorStatus.CONNECTED);
    const changes = await h.changes(run._id.toHexString());
    expect(changes.filter((c) => c.action === ChangeAction.CREATE)).toHaveLength(8);
    expect(changes[0]?.rule).toBe('userAdded');
  });

  it('disables a user removed from the sync group', async () => {
    const victim = (await h.users())[0]!;
    h.t.emulator!.control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, victim.entraId!);
    const run = await h.sync(SyncTrigger.RECONCILE, SyncMode.FULL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.counts.usersDisabled).toBe(1);
    const after = await h.user(victim.entraId!);
    expect(after?.status).toBe(DirectoryUserStatus.DISABLED);
    expect(after?.statusReason).toBe('REMOVED_FROM_GROUP');
    const changes = await h.changes(run._id.toHexString());
    expect(changes.find((c) => c.action === ChangeAction.DISABLE)?.rule).toBe(
      'userRemovedFromGroup',
    );
  });

  it('keeps the same directory user when a user is renamed', async () => {
    const user = (await h.users()).find((u) => u.status === DirectoryUserStatus.ACTIVE)!;
    const domain = h.tenant.defaultDomain;
    h.t.emulator!.control.updateUser(h.tenant.tenantId, user.entraId!, {
      displayName: 'Renamed Person',
      mail: `renamed.person@${domain}`,
    });
    const run = await h.sync(SyncTrigger.RECONCILE, SyncMode.FULL);
    expect(run.counts.usersUpdated).toBe(1);
    const after = await h.user(user.entraId!);
    expect(after?._id.equals(user._id)).toBe(true);
    expect(after?.email).toBe(`renamed.person@${domain}`);
    expect(after?.displayName).toBe('Renamed Person');
  });
});
