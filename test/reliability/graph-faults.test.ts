/**
 * Microsoft Graph misbehaves under a hub process (polling only, runs started by "Synchronize Now"):
 * 429 + Retry-After on 30% of requests, then bursts of 503/500/504, a page that stays unreadable
 * past every retry, then 5-second responses. Every run completes (or, when a page could not be
 * read, applies no disable/delete and says why), Retry-After is honoured as measured on the
 * emulator's side, the lock outlives 5 s responses because it is renewed, the directory converges
 * to Entra after each phase, nobody is disabled by mistake or exists twice, and /healthz answers
 * throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { retryAfterGaps, summarize } from './retry-after-gaps.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { FINISHED, type HubData, openHubData, type RunRow } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import { recordOutcome, syncGroupUserIds, waitConverged } from './support.js';

const RETRY_AFTER_S = 2;
// Shorter than the slow run, so the lock only holds because it is renewed; not the 5 s minimum:
// in the full suite every test shares one database, and a heartbeat can land 5 s late there.
const LOCK_TTL_MS = 8_000;
const SLOW_MS = 5_000;

describe('Graph faults: throttling, 5xx bursts, slow responses', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  let data: HubData;
  let jwt: string;
  let connectorId: string;
  const health = { probes: 0, failures: [] as string[] };
  let probing: NodeJS.Timeout | undefined;
  const outcome: Record<string, unknown> = {};

  beforeAll(async () => {
    emulator = await startTestEmulator({ requestLogSize: 50_000 });
    tenant = await seedTestTenant(emulator, { users: 420, groups: 2, syncGroupMembers: 300 });
    // Server-side paging and chunked delta pages: more requests per run, and a sync group that
    // spans several pages, so a page can fail after others were read.
    emulator.control.updateTenantSettings(tenant.tenantId, {
      listPageSize: 50,
      deltaMembersPerPage: 50,
    });
    hub = await startHubProcess({
      emulator,
      webhooks: false,
      env: {
        SYNC_POLL_INTERVAL_MS: '3600000',
        SYNC_LOCK_TTL_MS: String(LOCK_TTL_MS),
        SYNC_QUEUE_POLL_MS: '500',
        GRAPH_RETRY_BASE_MS: '200',
      },
    });
    data = await openHubData(hub.env['MONGODB_URI']!);
    jwt = await partnerJwt('partner-graph-faults');
    probing = setInterval(() => {
      health.probes += 1;
      fetch(`${hub.url}/healthz`, { signal: AbortSignal.timeout(5_000) })
        .then((r) => void (r.status !== 200 && health.failures.push(`HTTP ${r.status}`)))
        .catch((error: unknown) => void health.failures.push(String(error)));
    }, 500);
  }, 60_000);

  afterAll(async () => {
    clearInterval(probing);
    await stopHubs({ hubs: [hub], data, emulator });
    await recordOutcome('graph-faults', outcome);
  });

  const members = () => syncGroupUserIds(emulator, tenant);
  const outsiders = () => {
    const inGroup = new Set(members());
    return tenant.userIds.filter((id) => !inGroup.has(id));
  };
  const converge = (what: string) => waitConverged(data, connectorId, members, 60_000, what);

  async function waitRun(runId: string, timeoutMs = 90_000): Promise<RunRow> {
    return waitFor(
      async () => {
        const run = (await data.runs(connectorId)).find((r) => String(r._id) === runId);
        return run && FINISHED.includes(run.status) ? run : null;
      },
      timeoutMs,
      `run ${runId} to finish`,
      200,
    );
  }

  async function syncNow(): Promise<string> {
    const { synchronizeNow } = await gql<{ synchronizeNow: { runId: string } }>(
      hub.url,
      jwt,
      'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
      { id: connectorId },
    );
    return synchronizeNow.runId;
  }

  /** Entra changes: outsiders join the sync group, members leave, members are renamed. */
  function churn(join: number, leave: number, rename: number): void {
    const control = emulator.control;
    const joiners = outsiders().slice(0, join);
    if (joiners.length) control.addMembers(tenant.tenantId, tenant.syncGroupId, joiners);
    for (const id of members().slice(0, leave))
      control.removeMember(tenant.tenantId, tenant.syncGroupId, id);
    for (const id of members().slice(-rename))
      control.updateUser(tenant.tenantId, id, { displayName: `Renamed ${id.slice(0, 8)}` });
  }

  async function connectorStatus(): Promise<{ status: string; statusReason: string | null }> {
    const { connector } = await gql<{
      connector: { status: string; statusReason: string | null };
    }>(hub.url, jwt, 'query($id:ID!){ connector(id:$id) { status statusReason } }', {
      id: connectorId,
    });
    return connector;
  }

  const describeRun = (r: RunRow) => ({
    trigger: r.trigger,
    mode: r.mode,
    status: r.status,
    graphRequests: r.graphRequests,
    created: r.counts['usersCreated'],
    disabled: r.counts['usersDisabled'],
    tookMs: r.finishedAt && r.startedAt ? +r.finishedAt - +r.startedAt : null,
  });

  it('429 with Retry-After on 30% of requests: full and delta syncs succeed, Retry-After honoured', async () => {
    emulator.control.clearRequestLog();
    emulator.control.setFaults(tenant.tenantId, {
      throttleShare: 0.3,
      retryAfterSeconds: RETRY_AFTER_S,
    });
    // The whole flow runs throttled: verification, group lookups, then the initial full sync.
    ({ connectorId } = await activateConnector(hub.url, jwt, tenant, {
      syncedGroupIds: tenant.groupIds,
    }));
    const initial = await waitFor(
      async () => (await data.runs(connectorId)).find((r) => r.trigger === 'INITIAL'),
      30_000,
      'the initial run',
    );
    const full = await waitRun(String(initial._id));
    expect(full).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    await converge('the full sync to match Entra');

    churn(20, 10, 5);
    const delta = await waitRun(await syncNow());
    expect(delta).toMatchObject({ status: 'SUCCEEDED', mode: 'DELTA' });
    expect(delta.counts['usersCreated']).toBe(20);
    expect(delta.counts['usersDisabled']).toBe(10);
    await converge('the delta sync to match Entra');
    emulator.control.clearFaults(tenant.tenantId);

    const gaps = retryAfterGaps(emulator.control.requestLog(50_000), tenant.tenantId, (e) =>
      e.status === 429 ? Number(e.retryAfter) * 1000 : null,
    );
    const summary = summarize(gaps);
    const graphRequests = emulator.control
      .requestLog(50_000)
      .filter((e) => e.tenantId === tenant.tenantId && e.path.startsWith('/v1.0/')).length;
    outcome['throttling'] = {
      graphRequests,
      throttled: gaps.length,
      ...summary,
      runs: [describeRun(full), describeRun(delta)],
    };
    expect(gaps.length).toBeGreaterThanOrEqual(Math.floor(graphRequests * 0.3) - 1);
    expect(gaps.length).toBeGreaterThan(5);
    // Every throttled request was asked again, and never before its Retry-After had passed.
    expect(gaps.filter((g) => g.sameUrlMs === null)).toEqual([]);
    expect(gaps.filter((g) => g.sameUrlMs! < g.retryAfterMs)).toEqual([]);
  }, 150_000);

  it('bursts of 503, 500 and 504 are retried; an unreadable page deprovisions nobody', async () => {
    const bursts: Record<string, unknown>[] = [];
    for (const status of [503, 500, 504] as const) {
      churn(2, 1, 1);
      emulator.control.setFaults(tenant.tenantId, {
        serverErrorBurst: 3,
        serverErrorStatus: status,
        retryAfterSeconds: 1,
      });
      const run = await waitRun(await syncNow());
      expect(run).toMatchObject({ status: 'SUCCEEDED', mode: 'DELTA' });
      await converge(`the run after a burst of ${status} to match Entra`);
      bursts.push({ ...describeRun(run), burstOf: status });
    }

    // A page of the sync group that stays unreadable past every attempt (GRAPH_MAX_ATTEMPTS 6),
    // in a full sync (Graph reset the delta state), while 5 members left the group in Entra.
    const leaving = members().slice(0, 5);
    for (const id of leaving)
      emulator.control.removeMember(tenant.tenantId, tenant.syncGroupId, id);
    const activeBefore = (await data.users(connectorId))
      .filter((u) => u.status === 'ACTIVE')
      .map((u) => String(u.entraId));
    emulator.control.clearRequestLog();
    emulator.control.forceDeltaReset(tenant.tenantId);
    emulator.control.setFaults(tenant.tenantId, {
      failPage: { page: 2, status: 503, times: 6 },
      retryAfterSeconds: 1,
    });
    const partial = await waitRun(await syncNow());
    const failedPage = emulator.control
      .requestLog(50_000)
      .filter((e) => e.tenantId === tenant.tenantId && e.status === 503);
    emulator.control.clearFaults(tenant.tenantId);
    expect(partial).toMatchObject({ status: 'PARTIAL', mode: 'FULL' });
    expect(partial.counts['usersDisabled']! + partial.counts['usersDeleted']!).toBe(0);
    expect(partial.notes?.join(' ')).toMatch(/no user was disabled or deleted/);
    expect(failedPage).toHaveLength(6);
    expect(new Set(failedPage.map((e) => e.path)).size).toBe(1);
    const after = await data.users(connectorId);
    const stillActive = new Set(
      after.filter((u) => u.status === 'ACTIVE').map((u) => String(u.entraId)),
    );
    expect(activeBefore.filter((id) => !stillActive.has(id))).toEqual([]);
    expect(leaving.every((id) => stillActive.has(id))).toBe(true);
    const waits = summarize(
      retryAfterGaps(emulator.control.requestLog(50_000), tenant.tenantId, (e) =>
        e.status === 503 ? Number(e.retryAfter) * 1000 : null,
      ),
    );
    expect(waits.tooEarly).toBe(0);
    // The admin is told, on the connector, that Entra could not be read.
    const told = await connectorStatus();
    expect(told.status).toBe('ERROR');
    expect(told.statusReason).toMatch(/no user was disabled or deleted/);

    const healed = await waitRun(await syncNow());
    expect(healed.status).toBe('SUCCEEDED');
    expect(healed.counts['usersDisabled']).toBe(5);
    await converge('the run after the unreadable page to match Entra');
    expect((await connectorStatus()).status).toBe('CONNECTED');
    outcome['serverErrors'] = {
      bursts,
      unreadablePage: {
        ...describeRun(partial),
        attempts: failedPage.length,
        note: partial.notes?.find((n) => /no user was disabled/.test(n)),
        connectorStatus: `${told.status}: ${told.statusReason}`,
        usersStillActive: activeBefore.length,
        retryAfter503: waits,
      },
      healed: describeRun(healed),
    };
  }, 150_000);

  it('5-second Graph responses: the run completes, its lock renewed past its TTL', async () => {
    churn(3, 2, 2);
    emulator.control.setFaults(tenant.tenantId, { latencyMs: SLOW_MS });
    const runId = await syncNow();
    const locks = data.connection.db!.collection<{ _id: string; expiresAt: Date }>('sync_locks');
    const samples: { at: number; expiresAt: number }[] = [];
    const run = await waitFor(
      async () => {
        const current = (await data.runs(connectorId)).find((r) => String(r._id) === runId);
        const at = Date.now();
        const lock = await locks.findOne({ _id: connectorId });
        if (lock && current?.status === 'RUNNING') samples.push({ at, expiresAt: +lock.expiresAt });
        return current && FINISHED.includes(current.status) ? current : null;
      },
      120_000,
      'the slow run to finish',
      250,
    );
    emulator.control.clearFaults(tenant.tenantId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', mode: 'DELTA' });
    const runs = await data.runs(connectorId);
    expect(runs.filter((r) => r.status === 'FAILED')).toEqual([]);
    await converge('the slow run to match Entra');
    const renewals = new Set(samples.map((s) => s.expiresAt)).size - 1;
    const tookMs = +run.finishedAt! - +run.startedAt!;
    // Longer than the TTL, so the lock only held because it was renewed.
    expect(tookMs).toBeGreaterThan(LOCK_TTL_MS);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(samples.filter((s) => s.expiresAt <= s.at)).toEqual([]);
    outcome['slow'] = {
      latencyMs: SLOW_MS,
      lockTtlMs: LOCK_TTL_MS,
      ...describeRun(run),
      lockRenewalsSeen: renewals,
      minLockMarginMs: Math.min(...samples.map((s) => s.expiresAt - s.at)),
    };
  }, 150_000);

  it('kept serving /healthz, disabled nobody by mistake, duplicated nobody', async () => {
    await sleep(600);
    expect(health.probes).toBeGreaterThan(20);
    expect(health.failures).toEqual([]);
    expect(hub.child.exitCode).toBeNull();
    await converge('the directory to match Entra at the end');
    const users = await data.users(connectorId);
    const inGroup = new Set(members());
    expect(users.filter((u) => u.status !== 'ACTIVE' && inGroup.has(String(u.entraId)))).toEqual(
      [],
    );
    outcome['health'] = { probes: health.probes, failures: health.failures.length };
    outcome['directory'] = {
      users: users.length,
      active: users.filter((u) => u.status === 'ACTIVE').length,
      runs: (await data.runs(connectorId)).map((r) => `${r.trigger}/${r.mode}/${r.status}`),
    };
  });
});
