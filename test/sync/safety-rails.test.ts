import { waitForRun } from '../helpers/runs.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  SyncMode,
  SyncTrigger,
} from '../../src/domain/connector.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus, ManagedBy } from '../../src/domain/directory.js';
import { SyncRunProblemCode, SyncRunStatus } from '../../src/domain/sync-run.js';
import { ChangeAction, ChangeState } from '../../src/domain/change.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const full = (harness: SyncHarness) => harness.sync(SyncTrigger.RECONCILE, SyncMode.FULL);

describe('safety rails', () => {
  it('a duplicate email yields PARTIAL and the others sync', async () => {
    h = await startSyncHarness({ seed: { users: 10, groups: 1, syncGroupMembers: 5 } });
    const { tenantId, syncGroupId, defaultDomain } = h.tenant;
    const control = h.t.emulator!.control;
    const a = control.createUser(tenantId, {
      displayName: 'Dup A',
      userPrincipalName: `dupa@${defaultDomain}`,
      mail: `same@${defaultDomain}`,
    });
    const b = control.createUser(tenantId, {
      displayName: 'Dup B',
      userPrincipalName: `dupb@${defaultDomain}`,
      mail: `same@${defaultDomain}`,
    });
    control.addMembers(tenantId, syncGroupId, [a.id, b.id]);
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.PARTIAL);
    expect(run.counts.usersCreated).toBe(6);
    expect(run.counts.errors).toBe(1);
    const changes = await h.changes(run._id.toHexString());
    const error = changes.find((c) => c.action === ChangeAction.ERROR);
    expect(error?.message).toMatch(/Duplicate email/);
    expect(await h.users()).toHaveLength(6);
  });

  it('a duplicate email across pages of a first sync is found as within one page', async () => {
    // An empty company's first sync looks up only the addresses it already claimed.
    h = await startSyncHarness({ seed: { users: 4, groups: 1, syncGroupMembers: 2 }, pageSize: 1 });
    const { tenantId, syncGroupId, defaultDomain } = h.tenant;
    const control = h.t.emulator!.control;
    const twins = ['a', 'b'].map((x) =>
      control.createUser(tenantId, {
        displayName: `Twin ${x}`,
        userPrincipalName: `twin${x}@${defaultDomain}`,
        mail: `twin@${defaultDomain}`,
      }),
    );
    control.addMembers(
      tenantId,
      syncGroupId,
      twins.map((u) => u.id),
    );
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.PARTIAL);
    expect(run.counts).toMatchObject({ usersCreated: 3, errors: 1 });
    const changes = await h.changes(run._id.toHexString());
    const errors = changes.filter((c) => c.action === ChangeAction.ERROR);
    expect(errors.map((c) => c.message)).toEqual([
      expect.stringMatching(/^Duplicate email: twin@.* already belongs to another directory user/),
    ]);
    expect(changes.filter((c) => c.state === ChangeState.FAILED)).toEqual(errors);
    expect(await h.users()).toHaveLength(3);
  });

  it('a Graph failure mid-listing deprovisions nobody and says why', async () => {
    h = await startSyncHarness({
      seed: { users: 12, groups: 1, syncGroupMembers: 10 },
      pageSize: 3,
    });
    expect((await h.sync(SyncTrigger.INITIAL)).counts.usersCreated).toBe(10);
    const control = h.t.emulator!.control;
    const gone = (await h.users())[0]!;
    control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, gone.entraId!);
    control.setFaults(h.tenant.tenantId, { failPage: { page: 2, status: 503, times: 50 } });
    const run = await full(h);
    expect(run.status).toBe(SyncRunStatus.PARTIAL);
    expect(run.counts.usersDisabled + run.counts.usersDeleted).toBe(0);
    expect(run.notes.join(' ')).toMatch(/no user was disabled or deleted/);
    // Each problem has a code (SyncRun.problems); the connector's reason says the same.
    expect(run.problems?.map((p) => p.code)).toEqual([SyncRunProblemCode.GROUP_MEMBERS_UNREADABLE]);
    expect(run.notes).toContain(run.problems![0]!.message);
    const users = await h.users();
    expect(users.every((u) => u.status === DirectoryUserStatus.ACTIVE)).toBe(true);
    const connector = await h.t.infra.models.Connector.findById(h.connectorId).lean();
    expect(connector).toMatchObject({
      status: ConnectorStatus.ERROR,
      statusReasonCode: ConnectorStatusReasonCode.ENTRA_DATA_INCOMPLETE,
      statusReason: run.problems![0]!.message,
    });

    control.clearFaults(h.tenant.tenantId);
    const healed = await full(h);
    expect(healed.status).toBe(SyncRunStatus.SUCCEEDED);
    expect((await h.user(gone.entraId!))?.status).toBe(DirectoryUserStatus.DISABLED);
  });

  it('removing 50 of 100 users stops at NEEDS_APPROVAL until approved; creates still apply', async () => {
    h = await startSyncHarness({ seed: { users: 110, groups: 1, syncGroupMembers: 100 } });
    expect((await h.sync(SyncTrigger.INITIAL)).counts.usersCreated).toBe(100);
    const control = h.t.emulator!.control;
    const users = await h.users();
    for (const user of users.slice(0, 50))
      control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, user.entraId!);
    const newcomer = control.createUser(h.tenant.tenantId, {
      displayName: 'New',
      userPrincipalName: `new@${h.tenant.defaultDomain}`,
    });
    control.addMembers(h.tenant.tenantId, h.tenant.syncGroupId, [newcomer.id]);
    const run = await full(h);
    expect(run.status).toBe(SyncRunStatus.NEEDS_APPROVAL);
    expect(run.counts.staged).toBe(50);
    expect(run.counts.usersCreated).toBe(1);
    expect((await h.users()).filter((u) => u.status === DirectoryUserStatus.ACTIVE)).toHaveLength(
      101,
    );

    const approved = await h.engine.approvals.decide(run._id.toHexString(), true, 'admin-1');
    expect(approved.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(approved.counts.usersDisabled).toBe(50);
    expect((await h.users()).filter((u) => u.status === DirectoryUserStatus.DISABLED)).toHaveLength(
      50,
    );
    const changes = await h.changes(run._id.toHexString());
    expect(
      changes.filter((c) => c.state === ChangeState.APPLIED && c.action === ChangeAction.DISABLE),
    ).toHaveLength(50);
    await expect(
      h.engine.approvals.decide(run._id.toHexString(), true, 'admin-1'),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('a rejected run drops its staged changes', async () => {
    h = await startSyncHarness({
      seed: { users: 40, groups: 1, syncGroupMembers: 30 },
      rules: { massChangeThresholdAbsolute: 5 },
    });
    await h.sync(SyncTrigger.INITIAL);
    const control = h.t.emulator!.control;
    for (const user of (await h.users()).slice(0, 10))
      control.removeMember(h.tenant.tenantId, h.tenant.syncGroupId, user.entraId!);
    const run = await full(h);
    expect(run.status).toBe(SyncRunStatus.NEEDS_APPROVAL);
    const rejected = await h.engine.approvals.decide(run._id.toHexString(), false, 'admin-1');
    expect(rejected.status).toBe(SyncRunStatus.CANCELLED);
    expect((await h.users()).every((u) => u.status === DirectoryUserStatus.ACTIVE)).toBe(true);
  });

  it('a deleted sync group fails the run, sets the connector to ERROR and disables nobody', async () => {
    h = await startSyncHarness();
    await h.sync(SyncTrigger.INITIAL);
    h.t.emulator!.control.deleteGroup(h.tenant.tenantId, h.tenant.syncGroupId);
    const run = await full(h);
    expect(run.status).toBe(SyncRunStatus.FAILED);
    expect(run.error?.message).toMatch(/sync group no longer exists/);
    expect((await h.users()).every((u) => u.status === DirectoryUserStatus.ACTIVE)).toBe(true);
    const connector = await h.t.infra.models.Connector.findById(h.connectorId).lean();
    expect(connector?.status).toBe(ConnectorStatus.ERROR);
  });

  it('revoked consent fails the run and sets the connector to UNAUTHORIZED', async () => {
    h = await startSyncHarness();
    h.t.emulator!.control.revokeConsent(h.tenant.tenantId, h.tenant.clientId);
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.FAILED);
    expect(run.error?.code).toBe(ErrorCode.UPSTREAM_UNAUTHORIZED);
    const connector = await h.t.infra.models.Connector.findById(h.connectorId).lean();
    expect(connector?.status).toBe(ConnectorStatus.UNAUTHORIZED);
    expect(await h.users()).toHaveLength(0);
  });

  it('previewSync plans with the rule per change and writes nothing', async () => {
    h = await startSyncHarness();
    const preview = await h.engine.preview.preview(h.connectorId);
    expect(preview.changes.filter((c) => c.action === ChangeAction.CREATE)).toHaveLength(8);
    expect(preview.changes.every((c) => c.state === ChangeState.PLANNED && c.rule.length > 0)).toBe(
      true,
    );
    expect(await h.users()).toHaveLength(0);
    expect(await h.engine.models.SyncRun.countDocuments()).toBe(0);
  });

  it('concurrent requests coalesce onto one queued run; one run per connector at a time', async () => {
    h = await startSyncHarness();
    await h.engine.stop();
    const ids = await Promise.all(
      Array.from({ length: 5 }, () =>
        h!.engine.syncRequester.requestSync(h!.connectorId, SyncTrigger.WEBHOOK),
      ),
    );
    expect(new Set(ids.map((r) => r.runId)).size).toBe(1);
    expect((await h.engine.syncActivity.runningConnectorIds()).has(h.connectorId)).toBe(true);
    await h.engine.start();
    const run = await waitForRun(h.engine, ids[0]!.runId);
    expect(run.coalesced).toBe(4);
    expect(run.mode).toBe(SyncMode.FULL);
  });

  it('marks a RUNNING run orphaned by a killed instance FAILED and frees its lock', async () => {
    h = await startSyncHarness();
    const stale = new Date(Date.now() - 60_000);
    const orphan = await h.engine.models.SyncRun.create({
      connectorId: h.connectorId,
      companyId: h.companyId,
      partnerId: h.partnerId,
      trigger: SyncTrigger.POLL,
      mode: SyncMode.DELTA,
      status: SyncRunStatus.RUNNING,
      requestedAt: stale,
      startedAt: stale,
      heartbeatAt: stale,
    });
    await h.engine.models.SyncLock.create({
      _id: h.connectorId,
      owner: 'dead-instance',
      runId: orphan._id.toHexString(),
      expiresAt: stale,
    });
    await h.engine.stop();
    await h.engine.start();
    const failed = await h.engine.models.SyncRun.findById(orphan._id).lean();
    expect(failed?.status).toBe(SyncRunStatus.FAILED);
    const run = await h.sync(SyncTrigger.MANUAL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
  });

  it('over the seat limit new users are created PENDING_APPROVAL with that reason', async () => {
    h = await startSyncHarness({ seatLimit: 5 });
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.counts.usersCreated).toBe(5);
    expect(run.counts.usersPending).toBe(3);
    const pending = (await h.users()).filter(
      (u) => u.status === DirectoryUserStatus.PENDING_APPROVAL,
    );
    expect(pending.map((u) => u.statusReason)).toEqual(['SEAT_LIMIT', 'SEAT_LIMIT', 'SEAT_LIMIT']);
  });

  it('links a new in-scope user to an unmanaged directory user with the same email', async () => {
    h = await startSyncHarness();
    const control = h.t.emulator!.control;
    const memberId = control
      .getGroup(h.tenant.tenantId, h.tenant.syncGroupId)
      .memberIds.find((id) => h!.tenant.userIds.includes(id))!;
    const member = control.getUser(h.tenant.tenantId, memberId);
    const email = member.mail ?? member.userPrincipalName;
    const manual = await h.engine.models.DirectoryUser.create({
      companyId: h.companyId,
      entraId: null,
      email,
      emailKey: `${h.companyId}:${email.toLowerCase()}`,
      displayName: 'Hand made',
      status: DirectoryUserStatus.ACTIVE,
    });
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    const linked = await h.engine.models.DirectoryUser.findById(manual._id).lean();
    expect(linked?.managedBy).toBe(ManagedBy.AZURE_AD);
    expect(linked?.entraId).toBe(member.id);
    expect(await h.users()).toHaveLength(8);
  });
});
