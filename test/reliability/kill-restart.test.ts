/**
 * SIGKILL, no goodbye, in the middle of the initial full sync. After the restart (same database,
 * same configuration) every sync-group member is in the directory, the dead instance's run does
 * not stay RUNNING (it is failed once its lock goes stale), nobody is disabled and nobody exists
 * twice. (A SIGKILL right after a notification was acknowledged is test/runtime/webhook-path.)
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
import { activateConnector } from '../helpers/connector-flow.js';
import { type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import { recordOutcome, syncGroupUserIds, waitConverged } from './support.js';

describe('SIGKILL during a sync', () => {
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
    tenant = await seedTestTenant(emulator, { users: 1_200, groups: 2, syncGroupMembers: 800 });
    hub = await startHubProcess({ emulator, env: { SYNC_POLL_INTERVAL_MS: '5000' } });
    data = await openHubData(hub.env['MONGODB_URI']!);
  });
  afterAll(async () => {
    await stopHubs({ hubs: [hub], data, emulator });
    await recordOutcome('kill-restart', outcome);
  });

  async function restart(): Promise<number> {
    const started = Date.now();
    hub = await startHubProcess({ emulator, env: hub.env });
    return Date.now() - started;
  }

  it('converges after a SIGKILL in the middle of the initial full sync', async () => {
    // Slow Graph down so the kill lands inside the run.
    emulator.control.setFaults(tenant.tenantId, { latencyMs: 400 });
    ({ connectorId } = await activateConnector(hub.url, await partnerJwt('partner-kill'), tenant));
    const running = await waitFor(
      async () => (await data.runs(connectorId)).find((r) => r.status === 'RUNNING'),
      20_000,
      'the initial full sync to run',
    );
    await sleep(500);
    const exit = await hub.kill();
    const killedAt = Date.now();
    expect(exit.signal).toBe('SIGKILL');
    const atKill = (await data.runs(connectorId)).find(
      (r) => String(r._id) === String(running._id),
    );
    const usersAtKill = (await data.users(connectorId)).length;
    emulator.control.clearFaults(tenant.tenantId);

    outcome['restartMs'] = await restart();
    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 180_000);
    const runs = await data.runs(connectorId);
    const orphan = runs.find((r) => String(r._id) === String(running._id))!;
    expect(atKill?.status).toBe('RUNNING');
    expect(orphan.status).toBe('FAILED');
    expect(runs.filter((r) => r.status === 'RUNNING')).toEqual([]);
    const users = await data.users(connectorId);
    expect(users.filter((u) => u.status !== 'ACTIVE')).toEqual([]);
    // Measured, not asserted: whether the restarted hub subscribed to Graph for this connector.
    outcome['graphSubscriptionsAfterRestart'] = emulator.control.listSubscriptions(
      tenant.tenantId,
    ).length;
    outcome['duringSync'] = {
      usersInScope: syncGroupUserIds(emulator, tenant).length,
      usersWrittenBeforeKill: usersAtKill,
      orphan: { status: orphan.status, error: orphan.error?.code ?? null },
      convergedAfterKillMs: Date.now() - killedAt,
      runs: runs.map((r) => `${r.trigger}/${r.mode}/${r.status}`),
    };
  }, 260_000);
});
