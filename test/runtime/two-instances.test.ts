/**
 * Two hub processes on one database, as behind a load balancer: live status published on one
 * reaches a portal subscribed on the other, the per-connector poll is dispatched once per
 * interval across both, and a connector's syncs never overlap whichever instance runs them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedTestTenant, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { freePort } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql, subscribeToStatus } from '../helpers/graphql.js';
import { FINISHED, type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';

const POLL_INTERVAL_MS = 2_000;

describe('two hub instances on one database', () => {
  let emulator: RunningEmulator;
  let a: HubProcess;
  let b: HubProcess;
  let connectorId: string;
  let jwt: string;
  let db: HubData;
  let tenantId: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    // Polling only: the poll is the recurring sync both instances could dispatch.
    a = await startHubProcess({
      emulator,
      webhooks: false,
      env: { SYNC_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) },
    });
    const port = await freePort();
    b = await startHubProcess({ env: { ...a.env, PORT: String(port) } });
    jwt = await partnerJwt('partner-two');
    db = await openHubData(a.env['MONGODB_URI']!);
  });
  afterAll(async () => {
    await stopHubs({ hubs: [a, b], data: db, emulator });
  });

  it('shows a portal on B the status changes made through A', async () => {
    const tenant = await seedTestTenant(emulator, { users: 4, groups: 1, syncGroupMembers: 2 });
    tenantId = tenant.tenantId;
    ({ connectorId } = await activateConnector(a.url, jwt, tenant));
    const onB = await subscribeToStatus(b.url, jwt, { connectorId });
    try {
      // The resolver registers with the bus right after the connection ack; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await gql(
        a.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
        {
          id: connectorId,
        },
      );
      const event = await onB.next((e) => e.status === 'DISABLED', 'DISABLED on B');
      expect(event.connectorId).toBe(connectorId);
      await gql(
        a.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:true) { id } }',
        {
          id: connectorId,
        },
      );
      await onB.next((e) => e.status === 'WAITING_FOR_CONNECTION', 're-enabled on B');
      expect(onB.errors).toEqual([]);
    } finally {
      await onB.dispose();
    }
  });

  it('dispatches the poll once per interval across both instances', async () => {
    // Re-enabled above: the first poll runs a sync (not CONNECTED yet); from then on every poll
    // of this idle connector is a delta probe, one /users/delta request each, on A or on B.
    const synced = await waitFor(
      async () => {
        const runs = await db.runs(connectorId);
        const last = runs.at(-1);
        return last?.status === 'SUCCEEDED' && runs.every((r) => FINISHED.includes(r.status))
          ? last
          : null;
      },
      20_000,
      'the sync after re-enabling',
    );
    const after = synced.finishedAt!.getTime();
    // The probes as the emulator recorded them, from the end of that sync on: wait for five.
    const probes = () =>
      emulator.control
        .requestLog(5_000)
        .filter((e) => e.tenantId === tenantId && e.path.startsWith('/v1.0/users/delta'))
        .map((e) => Date.parse(e.receivedAt))
        .filter((t) => t > after)
        .sort((x, y) => x - y);
    const polls = await waitFor(
      () => {
        const seen = probes();
        return seen.length >= 5 ? seen : null;
      },
      30_000,
      'five polls',
    );
    // Nothing changed in Entra: the polls created no runs.
    const runsSince = (await db.runs(connectorId)).filter((r) => r.requestedAt.getTime() > after);
    expect(runsSince).toEqual([]);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]!);
    // Two instances dispatching the same slot would be milliseconds apart; a slot's tick may
    // land late on a loaded machine (954 ms seen between slots 2 s apart), so a quarter interval.
    expect(gaps.filter((gap) => gap <= POLL_INTERVAL_MS / 4)).toEqual([]);
    // The windows of the interval each instance claimed (its 'poll tick' records) never overlap:
    // a window, and so a connector's slot in it, is dispatched by one instance only.
    const claimed = [a, b]
      .flatMap((hub) => hub.records())
      .filter((r) => r['msg'] === 'poll tick' && r['claimed'] === true)
      .map((r) => [Date.parse(String(r['from'])), Date.parse(String(r['to']))] as const)
      .sort((x, y) => x[0] - y[0]);
    expect(claimed.length).toBeGreaterThanOrEqual(polls.length);
    const overlapping = claimed.filter((w, i) => i > 0 && w[0] < claimed[i - 1]![1]);
    expect(overlapping).toEqual([]);
  });

  it('never runs the same connector twice at once, whichever instance takes it', async () => {
    // Slow Graph answers make runs last long enough to collide if the lock did not hold.
    emulator.control.setFaults(tenantId, { latencyMs: 150 });
    const start = new Date();
    const now = (hub: HubProcess) =>
      gql(hub.url, jwt, 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }', {
        id: connectorId,
      });
    for (let round = 0; round < 4; round++) {
      await Promise.all([now(a), now(b), now(a), now(b)]);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const runs = await waitFor(
      async () => {
        const all = (await db.runs(connectorId)).filter((r) => r.requestedAt >= start);
        return all.every((r) => FINISHED.includes(r.status)) ? all : null;
      },
      30_000,
      'every run finished',
    );
    emulator.control.setFaults(tenantId, {});
    const ran = runs
      .filter((r) => r.startedAt && r.finishedAt)
      .map((r) => [r.startedAt!.getTime(), r.finishedAt!.getTime()] as const)
      .sort((x, y) => x[0] - y[0]);
    expect(ran.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ran.length; i++) expect(ran[i]![0]).toBeGreaterThanOrEqual(ran[i - 1]![1]);
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
  });
});
