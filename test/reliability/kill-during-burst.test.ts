/**
 * SIGKILL in the middle of a burst of Entra changes: 300 joins, leaves and renames over about
 * four seconds, the hub killed as soon as a WEBHOOK sync of the burst is RUNNING (or 90% into the
 * burst when none started yet; `atKill` records which) while notifications keep arriving. After a restart on the same database every change is in the directory, no run is
 * left RUNNING once the dead instance's lock is stale, and nobody exists twice. The emulator keeps
 * retrying what the dead hub did not acknowledge, and the sweep processes notices whose job died
 * with the process. The poll, the last safety net, is set to 10 minutes here, so the test shows
 * that the webhook path alone heals (it records how).
 * (SIGKILL during the initial full sync: kill-restart.test.ts; right after one acknowledged
 * notification: test/runtime/webhook-path.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { JobName } from '../../src/jobs/job-names.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import {
  allowMassChanges,
  runsExecutedBy,
  seededRandom,
  TenantChanges,
  waitMatches,
} from './load-support.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { FINISHED, type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import { recordOutcome } from './support.js';

const CHANGES = 300;
const PER_TICK = 10;
const TICK_MS = 130;
/** The kill lands once a WEBHOOK sync of the burst is RUNNING, at the latest at this tick. */
const KILL_BY_TICK = 27;
const LOCK_TTL_MS = 5_000;

type LogRecord = Record<string, unknown>;
const acknowledgedItems = (records: LogRecord[]) =>
  records
    .filter((r) => r['msg'] === 'notifications acknowledged')
    .reduce((sum, r) => sum + Number(r['items'] ?? 0), 0);

const firstAt = (records: LogRecord[], msg: string, since: number): number | null => {
  const record = records.find((r) => r['msg'] === msg);
  return record ? Number(record['time']) - since : null;
};

describe('SIGKILL during a notification burst', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  let data: HubData;
  let connectorId: string;
  const outcome: Record<string, unknown> = {};

  beforeAll(async () => {
    emulator = await startTestEmulator({
      notificationRetryBaseMs: 500,
      notificationRetryWindowMs: 120_000,
    });
    tenant = await seedTestTenant(emulator, { users: 600, groups: 1, syncGroupMembers: 300 });
    hub = await startHubProcess({
      emulator,
      env: { SYNC_POLL_INTERVAL_MS: '600000', SYNC_LOCK_TTL_MS: String(LOCK_TTL_MS) },
    });
    data = await openHubData(hub.env['MONGODB_URI']!);
    const jwt = await partnerJwt('partner-burst');
    ({ connectorId } = await activateConnector(hub.url, jwt, tenant));
    await allowMassChanges(hub.url, jwt, connectorId);
    await waitFor(
      () => emulator.control.listSubscriptions(tenant.tenantId).length === 2,
      20_000,
      'the Graph subscriptions',
    );
  }, 90_000);
  afterAll(async () => {
    await stopHubs({ hubs: [hub], data, emulator });
    await recordOutcome('kill-during-burst', outcome);
  });

  it('reflects every change after a SIGKILL in the middle of the burst', async () => {
    const changes = new TenantChanges(emulator, tenant, seededRandom(8_300));
    await waitMatches(data, connectorId, changes, 90_000);
    const runsBefore = (await data.runs(connectorId)).length;
    // Slower Graph answers keep a WEBHOOK sync in progress when the kill lands.
    emulator.control.setFaults(tenant.tenantId, { latencyMs: 150 });
    const countersBefore = emulator.control.counters().notifications;

    let killing: Promise<unknown> | null = null;
    let killedAt = 0;
    let acksBeforeKill = 0;
    let running = false;
    const watcher = setInterval(() => {
      void data
        .runs(connectorId)
        .then((all) => (running ||= all.slice(runsBefore).some((r) => r.status === 'RUNNING')));
    }, 50);
    const burstStarted = Date.now();
    for (let tick = 0; tick * PER_TICK < CHANGES; tick++) {
      if (!killing && (running || tick === KILL_BY_TICK)) {
        clearInterval(watcher);
        acksBeforeKill = acknowledgedItems(hub.records());
        killedAt = Date.now();
        killing = hub.kill();
      }
      for (let i = 0; i < PER_TICK; i++) changes.change();
      await sleep(TICK_MS);
    }
    clearInterval(watcher);
    const burstMs = Date.now() - burstStarted;
    const exit = (await killing) as { signal: string | null };
    expect(exit.signal).toBe('SIGKILL');
    const atKill = await data.runs(connectorId);
    const orphans = atKill.filter((r) => r.status === 'RUNNING').map((r) => String(r._id));
    const noticesAtKill = await changeNoticeModel(data.connection).countDocuments({ connectorId });
    const deadRecords = hub.records();
    // The per-connector notification job the dead process held, if it was inside one.
    const lockedJob = await data.connection
      .db!.collection(AGENDA_COLLECTION)
      .findOne({ name: JobName.PROCESS_CONNECTOR_NOTIFICATIONS, 'data.connectorId': connectorId });
    emulator.control.clearFaults(tenant.tenantId);

    const restartStarted = Date.now();
    hub = await startHubProcess({ emulator, env: hub.env });
    const hubReadyAt = Date.now();
    const restartMs = hubReadyAt - restartStarted;
    await waitMatches(data, connectorId, changes, 150_000);
    const convergedAfterKillMs = Date.now() - killedAt;

    const runs = (await data.runs(connectorId)).slice(runsBefore);
    expect(runs.filter((r) => r.trigger === 'POLL')).toEqual([]);
    // The dead instance's runs were failed once its lock went stale; nothing else is left open.
    expect(runs.filter((r) => !FINISHED.includes(r.status))).toEqual([]);
    for (const id of orphans) {
      const orphan = runs.find((r) => String(r._id) === id)!;
      expect(orphan.status).toBe('FAILED');
      expect(orphan.finishedAt!.getTime() - orphan.startedAt!.getTime()).toBeGreaterThanOrEqual(
        LOCK_TTL_MS / 2,
      );
    }
    const users = await data.users(connectorId);
    expect(new Set(users.map((u) => u.entraId)).size).toBe(users.length);
    expect(new Set(users.map((u) => u.email.toLowerCase())).size).toBe(users.length);
    expect(users.filter((u) => u.status === 'ACTIVE').length).toBe(changes.members().length);

    // Which path healed: the runs after the restart (by trigger), whether the sweep had to pick
    // up notices, and what the emulator redelivered.
    const restarted = hub.records();
    const afterRestart = runs.filter((r) => r.requestedAt.getTime() >= restartStarted);
    const triggers: Record<string, number> = {};
    for (const run of afterRestart) triggers[run.trigger] = (triggers[run.trigger] ?? 0) + 1;
    const counters = emulator.control.counters().notifications;
    const executedByDead = runsExecutedBy(deadRecords);
    outcome['burst'] = {
      changes: { ...changes.counts },
      burstMs,
      killAfterMs: killedAt - burstStarted,
    };
    outcome['atKill'] = {
      aRunWasRunning: running,
      acknowledgedItems: acksBeforeKill,
      runsFinishedByThen: runs.filter((r) => executedByDead.has(String(r._id))).length,
      runsRunning: orphans.length,
      runsQueued: atKill.filter((r) => r.status === 'QUEUED').length,
      noticesUnprocessed: noticesAtKill,
    };
    outcome['orphans'] = orphans.map((id) => {
      const run = runs.find((r) => String(r._id) === id)!;
      return { status: run.status, error: run.error?.code ?? null };
    });
    outcome['restartMs'] = restartMs;
    outcome['convergedAfterKillMs'] = convergedAfterKillMs;
    outcome['healing'] = {
      runsAfterRestartByTrigger: triggers,
      acknowledgedAfterRestart: acknowledgedItems(restarted),
      sweeps: restarted.filter((r) => r['msg'] === 'sweeping unprocessed change notices').length,
      emulatorDeliveriesFailed: counters.failed - countersBefore.failed,
      emulatorNotificationsDropped: counters.dropped - countersBefore.dropped,
      firstRunAfterRestart: afterRestart[0]?.trigger ?? null,
      notificationJobLockedByTheDeadProcess: Boolean(lockedJob?.['lockedAt']),
      // Sweep first, run right after it: the notices waited for the sweep (their job was locked
      // by the dead process), not for a fresh job.
      firstSweepAfterReadyMs: firstAt(restarted, 'sweeping unprocessed change notices', hubReadyAt),
      firstRunRequestedAfterReadyMs: afterRestart[0]
        ? afterRestart[0].requestedAt.getTime() - hubReadyAt
        : null,
    };
    outcome['runs'] = runs.map((r) => `${r.trigger}/${r.status}`);
    outcome['users'] = {
      active: users.filter((u) => u.status === 'ACTIVE').length,
      disabled: users.filter((u) => u.status === 'DISABLED').length,
      total: users.length,
    };
  }, 240_000);
});
