import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';
import { DirectoryUserStatus } from '../../src/domain/directory.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';

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
