/**
 * The poll's delta probe (src/sync/run/delta-probe.ts) against the emulator and the real
 * database: an idle poll creates no run and costs two Graph requests and one state write; a
 * change, a connector not yet CONNECTED, or a Graph failure queue a POLL run that applies it;
 * links a run moved meanwhile are never overwritten.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { currentLinks } from '../../src/db/models/sync-state.model.js';
import { SyncTrigger } from '../../src/domain/connector.js';
import { waitFor } from '../helpers/wait.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function connected(idleRecordIntervalMs = 0): Promise<SyncHarness> {
  const harness = await startSyncHarness({
    seed: { users: 20, groups: 3, syncGroupMembers: 10 },
    idleRecordIntervalMs,
  });
  const initial = await harness.sync(SyncTrigger.INITIAL);
  expect(initial.status).toBe(SyncRunStatus.SUCCEEDED);
  return harness;
}

const graphRequests = (harness: SyncHarness) =>
  harness.t
    .emulator!.control.requestLog(1_000)
    .filter((e) => e.tenantId === harness.tenant.tenantId && e.path.startsWith('/v1.0/')).length;

const state = (harness: SyncHarness) =>
  harness.engine.models.SyncState.findById(harness.connectorId).lean();

const runCount = (harness: SyncHarness) =>
  harness.engine.models.SyncRun.countDocuments({ connectorId: harness.connectorId });

describe('delta probe (the idle poll)', () => {
  it('an idle poll creates no run: two Graph requests, the links and checkedAt moved', async () => {
    h = await connected();
    const runsBefore = await runCount(h);
    const before = await state(h);
    h.t.emulator!.control.clearRequestLog();

    const result = await h.engine.poller.poll(h.connectorId);

    expect(result).toEqual({ kind: 'idle', graphRequests: 2, recorded: true });
    expect(graphRequests(h)).toBe(2);
    expect(await runCount(h)).toBe(runsBefore);
    const after = await state(h);
    expect(after!.checkedAt!.getTime()).toBeGreaterThan(before!.checkedAt?.getTime() ?? 0);
    expect(after!.selectedGroups).toEqual(before!.selectedGroups);
    // The next round continues from the probe's links; the saved ones stay as the run left them.
    expect(currentLinks(after!)!.users).not.toBe(before!.usersDeltaLink);
    expect(currentLinks(after!)!.groups).not.toBe(before!.groupsDeltaLink);
    expect(after!.usersDeltaLink).toBe(before!.usersDeltaLink);

    // A run after idle probes starts where they left off and applies what changed since.
    const users = await h.users();
    h.t.emulator!.control.updateUser(h.tenant.tenantId, users[0]!.entraId!, {
      displayName: 'Renamed After Probe',
    });
    const run = await h.sync(SyncTrigger.POLL);
    expect(run).toMatchObject({ status: SyncRunStatus.SUCCEEDED, mode: 'DELTA' });
    expect(run.counts.usersUpdated).toBe(1);
    expect((await state(h))!.probe).toBeNull();
  });

  it('idle polls write nothing until the record interval has passed', async () => {
    h = await connected(60_000);
    const before = await state(h);
    for (let i = 0; i < 3; i++) {
      expect(await h.engine.poller.poll(h.connectorId)).toEqual({
        kind: 'idle',
        graphRequests: 2,
        recorded: false,
      });
    }
    // Not even checkedAt: the state is exactly as the initial sync left it.
    expect(await state(h)).toEqual(before);
    // A change still starts a run from the saved links.
    const users = await h.users();
    h.t.emulator!.control.disableUser(h.tenant.tenantId, users[0]!.entraId!);
    expect((await h.engine.poller.poll(h.connectorId)).kind).toBe('sync');
  });

  it('a change in Entra queues a POLL run that applies it', async () => {
    h = await connected();
    const users = await h.users();
    const outsider = h.tenant.userIds.find((id) => !users.some((u) => u.entraId === id))!;
    h.t.emulator!.control.addMembers(h.tenant.tenantId, h.tenant.syncGroupId, [outsider]);

    const result = await h.engine.poller.poll(h.connectorId);

    expect(result).toEqual({ kind: 'sync', reason: 'Entra reported changes' });
    const run = await waitFor(
      async () => {
        const latest = await h!.engine.models.SyncRun.findOne({ connectorId: h!.connectorId })
          .sort({ requestedAt: -1 })
          .lean();
        return latest?.trigger === SyncTrigger.POLL &&
          latest.status !== SyncRunStatus.QUEUED &&
          latest.status !== SyncRunStatus.RUNNING
          ? latest
          : null;
      },
      20_000,
      'the POLL run',
    );
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.counts.usersCreated).toBe(1);
    expect((await h.user(outsider))?.status).toBe(DirectoryUserStatus.ACTIVE);
    // The next poll is idle again.
    expect((await h.engine.poller.poll(h.connectorId)).kind).toBe('idle');
  });

  it('a connector that is not CONNECTED yet, or whose probe fails, gets a run instead', async () => {
    h = await startSyncHarness({ seed: { users: 12, groups: 2, syncGroupMembers: 6 } });
    // WAITING_FOR_CONNECTION: the first poll must be a run, which moves the status.
    expect(await h.engine.poller.poll(h.connectorId)).toEqual({
      kind: 'sync',
      reason: 'the connector is not CONNECTED',
    });
    await waitFor(
      async () =>
        (await h!.engine.models.SyncRun.countDocuments({
          connectorId: h!.connectorId,
          status: SyncRunStatus.SUCCEEDED,
        })) === 1,
      20_000,
      'the first run',
    );
    await waitFor(
      async () => (await h!.engine.poller.poll(h!.connectorId)).kind === 'idle',
      10_000,
      'an idle poll once CONNECTED',
    );

    h.t.emulator!.control.forceDeltaReset(h.tenant.tenantId);
    const reset = await h.engine.poller.poll(h.connectorId);
    expect(reset.kind).toBe('sync');
    expect((reset as { reason: string }).reason).toMatch(/the delta probe failed/);
  });

  it('never replaces links a run saved while it was asking Graph', async () => {
    h = await connected();
    const original = await state(h);
    // Graph answers slowly; meanwhile a run (here: a direct write) moves the links on.
    h.t.emulator!.control.setFaults(h.tenant.tenantId, { latencyMs: 300 });
    const polling = h.engine.poller.poll(h.connectorId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.engine.models.SyncState.updateOne(
      { _id: h.connectorId },
      { $set: { usersDeltaLink: 'https://moved/users', groupsDeltaLink: 'https://moved/groups' } },
    );
    expect((await polling).kind).toBe('idle');
    h.t.emulator!.control.clearFaults(h.tenant.tenantId);
    const after = await state(h);
    expect(after).toMatchObject({
      usersDeltaLink: 'https://moved/users',
      groupsDeltaLink: 'https://moved/groups',
    });
    // The probe's links continue the original ones, so they no longer count.
    expect(after!.probe!.from.users).toBe(original!.usersDeltaLink);
    expect(currentLinks(after!)).toEqual({
      users: 'https://moved/users',
      groups: 'https://moved/groups',
    });
  });
});
