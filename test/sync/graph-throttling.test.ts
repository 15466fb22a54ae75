import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { retryAfterGaps } from '../reliability/retry-after-gaps.js';

describe('Graph throttling and failures', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness();
  });
  afterAll(async () => h.stop());

  it('honours Retry-After on 429 and counts every attempt and resource unit', async () => {
    const control = h.t.emulator!.control;
    control.setFaults(h.tenant.tenantId, { throttleBurst: 2, retryAfterSeconds: 1 });
    const started = Date.now();
    const run = await h.sync(SyncTrigger.INITIAL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(run.counts.usersCreated).toBe(8);
    const log = control
      .requestLog(200)
      .filter((r) => r.tenantId === h.tenant.tenantId && r.path.startsWith('/v1.0'));
    expect(run.graphRequests).toBe(log.length);
    expect(log.filter((r) => r.status === 429)).toHaveLength(2);
    expect(run.resourceUnits).toBeGreaterThan(0);
    control.clearFaults(h.tenant.tenantId);
  });

  // https://learn.microsoft.com/en-us/graph/throttling#sample-response: "Retry-After: 2.128".
  it('honours a fractional Retry-After: the retry of each throttled URL waits at least that long', async () => {
    const control = h.t.emulator!.control;
    control.clearRequestLog();
    control.setFaults(h.tenant.tenantId, { throttleBurst: 2, retryAfterSeconds: 1.375 });
    const run = await h.sync(SyncTrigger.RECONCILE, SyncMode.FULL);
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    const gaps = retryAfterGaps(control.requestLog(500), h.tenant.tenantId, (e) =>
      e.status === 429 ? Number(e.retryAfter) * 1000 : null,
    );
    expect(gaps.map((g) => g.retryAfterMs)).toEqual([1375, 1375]);
    // Observed on the emulator's request log: the same URL again, never before 1.375 s.
    expect(gaps.every((g) => g.sameUrlMs !== null && g.sameUrlMs >= 1375)).toBe(true);
    control.clearFaults(h.tenant.tenantId);
  });

  it('backs off on 5xx and succeeds; past the retries the run fails without deprovisioning', async () => {
    const control = h.t.emulator!.control;
    control.setFaults(h.tenant.tenantId, { serverErrorBurst: 2, serverErrorStatus: 500 });
    const ok = await h.sync(SyncTrigger.RECONCILE, SyncMode.FULL);
    expect(ok.status).toBe(SyncRunStatus.SUCCEEDED);

    control.setFaults(h.tenant.tenantId, { serverErrorShare: 1, serverErrorStatus: 500 });
    const failed = await h.sync(SyncTrigger.RECONCILE, SyncMode.FULL);
    expect(failed.status).toBe(SyncRunStatus.FAILED);
    expect(failed.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await h.users()).every((u) => u.status === DirectoryUserStatus.ACTIVE)).toBe(true);
    control.clearFaults(h.tenant.tenantId);
  });
});
