/**
 * The database stops for 30 s in the middle of a connector's initial full sync, while Entra keeps
 * changing. The hub process must stay up and say it is not ready, refuse (not lose) Graph's
 * notifications so Graph redelivers them, disable nobody, and converge on its own once the
 * database is back: the interrupted run ends (FAILED once its lock goes stale) and a later run
 * brings the directory in line with Entra, the change made during the outage included.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gqlAnswer } from '../helpers/graphql.js';
import { type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import {
  recordOutcome,
  startPausableDatabase,
  syncGroupUserIds,
  waitConverged,
} from './support.js';

const OUTAGE_MS = 30_000;

describe('database outage of 30 s during a full sync', () => {
  let db: Awaited<ReturnType<typeof startPausableDatabase>>;
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  let data: HubData | undefined;

  beforeAll(async () => {
    db = await startPausableDatabase();
    // Graph's redelivery outlasts the outage (real Graph retries for up to 4 hours).
    emulator = await startTestEmulator({
      notificationRetryBaseMs: 500,
      notificationRetryWindowMs: 180_000,
    });
    tenant = await seedTestTenant(emulator, { users: 1_200, groups: 2, syncGroupMembers: 1_000 });
    hub = await startHubProcess({
      emulator,
      env: { MONGODB_URI: db.databaseUri(), SYNC_POLL_INTERVAL_MS: '5000' },
    });
  }, 60_000);
  afterAll(async () => {
    await hub?.kill();
    await data?.close();
    await emulator?.stop();
    await db?.stop();
  });

  it('stays up, loses nothing, disables nobody and converges on its own', async () => {
    const jwt = await partnerJwt('partner-outage');
    // Slow Graph down so the initial full sync is still running when the database goes.
    emulator.control.setFaults(tenant.tenantId, { latencyMs: 100 });
    const { connectorId } = await activateConnector(hub.url, jwt, tenant);
    const watch = await openHubData(hub.env['MONGODB_URI']!);
    const interrupted = await waitFor(
      async () => (await watch.runs(connectorId)).find((r) => r.status === 'RUNNING'),
      20_000,
      'the initial full sync to run',
    );
    await sleep(1_000);
    await watch.close();

    await db.pause();
    const outageStarted = Date.now();
    // Entra changes while the database is gone: a user joins the sync group.
    const joiner = tenant.userIds.find((id) => !syncGroupUserIds(emulator, tenant).includes(id))!;
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [joiner]);

    const health = await fetch(`${hub.url}/healthz`);
    const ready = await fetch(`${hub.url}/readyz`);
    const queryStarted = Date.now();
    const query = await gqlAnswer(
      hub.url,
      jwt,
      'query($id:ID!){ connector(id:$id) { id status } }',
      { id: connectorId },
      40_000,
    );
    const queryMs = Date.now() - queryStarted;
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(query.data ?? null).toBeNull();
    expect(query.errors?.[0]?.extensions?.code).toBeDefined();
    const refusedBefore = emulator.control.counters().notifications.failed;
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
    const refused = emulator.control.counters().notifications.failed;
    emulator.control.clearFaults(tenant.tenantId);
    await db.start();
    const back = Date.now();

    await waitFor(async () => (await fetch(`${hub.url}/readyz`)).status === 200, 90_000, '/readyz');
    const readyMs = Date.now() - back;
    data = await openHubData(hub.env['MONGODB_URI']!);
    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 150_000);
    const convergedMs = Date.now() - back;

    const users = await data.users(connectorId);
    // Nobody left the group: any user not ACTIVE would be a mistaken deprovisioning.
    expect(users.filter((u) => u.status !== 'ACTIVE')).toEqual([]);
    expect(users.map((u) => u.entraId)).toContain(joiner);
    const runs = await data.runs(connectorId);
    const first = runs.find((r) => String(r._id) === String(interrupted._id))!;
    expect(['FAILED', 'SUCCEEDED']).toContain(first.status);
    expect(runs.some((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(hub.child.exitCode).toBeNull();
    await recordOutcome('database-outage', {
      outageMs: OUTAGE_MS,
      usersInScope: syncGroupUserIds(emulator, tenant).length,
      healthzDuringOutage: health.status,
      readyzDuringOutage: ready.status,
      graphqlDuringOutage: { code: query.errors?.[0]?.extensions?.code, answeredInMs: queryMs },
      notificationDeliveriesRefused: refused,
      refusedAfterFirstChecks: refused - refusedBefore,
      interruptedRun: { status: first.status, error: first.error?.code ?? null },
      runs: runs.map((r) => `${r.trigger}/${r.mode}/${r.status}`),
      readyAfterDatabaseBackMs: readyMs,
      convergedAfterDatabaseBackMs: convergedMs,
      usersNotActive: 0,
      processRestarted: false,
    });
  }, 300_000);
});
