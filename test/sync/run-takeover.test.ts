/**
 * A run whose heartbeat landed too late (a saturated database): another instance failed it as
 * orphaned and took the connector's lock while this instance was still reading Graph. Found by
 * test/reliability/instances-under-load.test.ts on a loaded machine: the live instance went on,
 * kept renewing the lock and would have overwritten the FAILED verdict. It must stop instead:
 * nothing written, the verdict and the other instance's lock left alone.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { waitFor } from '../helpers/wait.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';

let h: SyncHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe('a run taken over by another instance', () => {
  it('stops before writing and leaves the other instance its verdict and lock', async () => {
    h = await startSyncHarness({
      seed: { users: 60, groups: 1, syncGroupMembers: 40 },
      pageSize: 5,
    });
    const harness = h;
    // Slow Graph reads: the run is still reading when the takeover happens.
    harness.t.emulator!.control.setFaults(harness.tenant.tenantId, { latencyMs: 300 });
    const { runId } = await harness.engine.syncRequester.requestSync(
      harness.connectorId,
      SyncTrigger.INITIAL,
    );
    await waitFor(
      async () =>
        (await harness.engine.models.SyncRun.findById(runId).lean())?.status ===
        SyncRunStatus.RUNNING,
      10_000,
      'the run to start',
    );
    // What recoverOrphans and RunLock.acquire on another instance do once the heartbeat is stale.
    await harness.engine.models.SyncRun.updateOne(
      { _id: runId },
      { $set: { status: SyncRunStatus.FAILED, finishedAt: new Date() } },
    );
    await harness.engine.models.SyncLock.updateOne(
      { _id: harness.connectorId },
      { $set: { owner: 'other-instance', runId: null, expiresAt: new Date(Date.now() + 60_000) } },
    );

    const ended = [
      'sync run stopped: another instance took it over',
      'sync run finished',
      'sync run failed',
    ];
    await waitFor(
      () => harness.logs.records().find((r) => ended.includes(String(r['msg']))),
      20_000,
      'the run to end one way or another',
    );
    const run = await harness.engine.models.SyncRun.findById(runId).lean();
    expect(run?.status).toBe(SyncRunStatus.FAILED);
    expect(await harness.users()).toEqual([]);
    const lock = await harness.engine.models.SyncLock.findById(harness.connectorId).lean();
    expect(lock?.owner).toBe('other-instance');
    expect(
      harness.logs
        .records()
        .filter((r) => r['msg'] === 'sync run finished' && r['runId'] === runId),
    ).toEqual([]);
  });
});
