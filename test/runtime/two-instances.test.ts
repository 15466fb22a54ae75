/**
 * Two hub processes on one database, as behind a load balancer: live status published on one
 * reaches a portal subscribed on the other, and the per-connector poll is dispatched once per
 * interval across both, never by each.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedTestTenant, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { freePort } from '../helpers/hub.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import {
  activateConnector,
  gql,
  partnerJwt,
  STATUS_SUBSCRIPTION,
  subscribeOverWs,
  type StatusEvent,
} from './support.js';

const POLL_INTERVAL_MS = 2_000;

describe('two hub instances on one database', () => {
  let emulator: RunningEmulator;
  let a: HubProcess;
  let b: HubProcess;
  let connectorId: string;
  let jwt: string;

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
  });
  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    if (a) await dropHubDatabase(a.env);
    await emulator?.stop();
  });

  it('shows a portal on B the status changes made through A', async () => {
    const tenant = await seedTestTenant(emulator, { users: 4, groups: 1, syncGroupMembers: 2 });
    ({ connectorId } = await activateConnector(a.url, jwt, tenant));
    const onB = await subscribeOverWs<StatusEvent>(
      b.url,
      jwt,
      STATUS_SUBSCRIPTION,
      { connectorId },
      'connectorStatusChanged',
    );
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
      const event = await onB.next((e) => e.status === 'DISABLED', 10_000, 'DISABLED on B');
      expect(event).toMatchObject({ connectorId, previousStatus: 'WAITING_FOR_CONNECTION' });
      await gql(
        a.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:true) { id } }',
        {
          id: connectorId,
        },
      );
      await onB.next((e) => e.status === 'WAITING_FOR_CONNECTION', 10_000, 're-enabled on B');
      expect(onB.errors).toEqual([]);
    } finally {
      await onB.dispose();
    }
  });

  it('dispatches the poll once per interval across both instances', async () => {
    const polls = () =>
      [...a.records(), ...b.records()]
        .filter(
          (r) =>
            r['msg'] === 'sync requested (no sync engine wired yet)' &&
            r['connectorId'] === connectorId &&
            r['trigger'] === 'POLL',
        )
        .map((r) => Number(r['time']))
        .sort((x, y) => x - y);
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5 * POLL_INTERVAL_MS + 500));
    const seen = polls().filter((t) => t >= start);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.length).toBeLessThanOrEqual(6);
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(POLL_INTERVAL_MS / 2);
  });
});
