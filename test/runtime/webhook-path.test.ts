/**
 * The webhook path in a real hub process (with the real sync engine), fed by the emulator's
 * deliveries: a forged notification changes nothing, a burst of 500 changes is applied by a few
 * syncs, and a change acknowledged just before a SIGKILL is applied after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { makeChangeNotification } from '../builders/graph-notifications.js';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { FINISHED, type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';

type LogRecord = Record<string, unknown>;
const acknowledged =
  (connectorId: string) =>
  (r: LogRecord): boolean =>
    r['msg'] === 'notifications acknowledged' &&
    Array.isArray(r['connectors']) &&
    (r['connectors'] as unknown[]).includes(connectorId);

describe('the webhook path in a hub process', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  let db: HubData;
  let connectorId: string;
  let outsiders: string[];

  const notices = () => changeNoticeModel(db.connection).countDocuments({ connectorId });
  const idle = async () => {
    const runs = await db.runs(connectorId);
    return (await notices()) === 0 && runs.every((r) => FINISHED.includes(r.status));
  };

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 560, groups: 1, syncGroupMembers: 20 });
    const members = new Set(
      emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds,
    );
    outsiders = tenant.userIds.filter((id) => !members.has(id));
    // Only notifications may apply changes here: the poll runs once an hour.
    hub = await startHubProcess({ emulator, env: { SYNC_POLL_INTERVAL_MS: '3600000' } });
    db = await openHubData(hub.env['MONGODB_URI']!);
    ({ connectorId } = await activateConnector(hub.url, await partnerJwt(), tenant));
    await waitFor(
      () => emulator.control.listSubscriptions(tenant.tenantId).length === 2,
      15_000,
      'the subscriptions at the emulator',
    );
    await waitFor(
      async () => (await db.directoryEntraIds(connectorId)).length === members.size,
      20_000,
      'the first sync',
    );
    // Creating the subscriptions records a catch-up change: let it be processed.
    await waitFor(idle, 20_000, 'no pending notice or run');
  });
  afterAll(async () => {
    await stopHubs({ hubs: [hub], data: db, emulator });
  });

  it('ignores a notification with a wrong clientState: no notice, no run, a warning', async () => {
    const runsBefore = (await db.runs(connectorId)).length;
    const usersBefore = (await db.directoryEntraIds(connectorId)).sort();
    const record = (await graphSubscriptionModel(db.connection).findOne({ connectorId }).lean())!;
    const forged = 'forged-client-state-value-0123456789abcdef';
    const response = await fetch(`${hub.url}/webhooks/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [makeChangeNotification({ record, clientState: forged })] }),
    });
    expect(response.status).toBe(202);
    const warning = await hub.waitForLog(
      (r) => r['msg'] === 'notification failed authentication and was ignored',
      5_000,
      'the authentication warning',
    );
    // The receiver records what it hands on once it has decided, right after its 202: for this
    // POST, no connector. Nothing is queued, so no run can follow (no need to wait for one).
    const ack = await hub.waitForLog(
      (r) =>
        r['msg'] === 'notifications acknowledged' &&
        hub.records().indexOf(r) > hub.records().indexOf(warning),
      5_000,
      'the acknowledgement after the warning',
    );
    expect(ack).toMatchObject({ items: 1, connectors: [] });
    expect(await notices()).toBe(0);
    expect(await db.runs(connectorId)).toHaveLength(runsBefore);
    expect((await db.directoryEntraIds(connectorId)).sort()).toEqual(usersBefore);
    expect(hub.lines.join('\n')).not.toContain(forged);
  });

  it('applies a burst of 500 membership changes with a few syncs', async () => {
    const runsBefore = (await db.runs(connectorId)).length;
    const acksBefore = hub.records().filter(acknowledged(connectorId)).length;
    const burst = outsiders.splice(0, 500);
    expect(burst).toHaveLength(500);
    // One change each, as if 500 admins clicked: the emulator batches deliveries like Graph.
    for (const userId of burst) {
      emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [userId]);
    }
    const delivered = () =>
      hub
        .records()
        .filter(acknowledged(connectorId))
        .slice(acksBefore)
        .reduce((sum, r) => sum + Number(r['items']), 0);
    await waitFor(() => delivered() >= 500, 20_000, '500 acknowledged notifications');
    await waitFor(
      async () => {
        const ids = new Set(await db.directoryEntraIds(connectorId));
        return burst.every((id) => ids.has(id));
      },
      60_000,
      'all 500 new members in the directory',
    );
    await waitFor(idle, 30_000, 'every notice and run done');
    const runs = (await db.runs(connectorId)).slice(runsBefore);
    expect(runs.every((r) => r.trigger === 'WEBHOOK')).toBe(true);
    // A sync request needs 300 ms without a new notice (or 2 s of them), and the engine joins
    // requests into the queued run: while deliveries last, at most one run per 300 ms, plus the
    // one after. How long they lasted is what the hub recorded: its first and last acknowledgement.
    const acks = hub
      .records()
      .filter(acknowledged(connectorId))
      .slice(acksBefore)
      .map((r) => Number(r['time']));
    const deliveryMs = Math.max(...acks) - Math.min(...acks);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(Math.floor(deliveryMs / 300) + 2);
    expect(runs.length).toBeLessThanOrEqual(25);
  });

  it('applies after a restart a change acknowledged right before a SIGKILL', async () => {
    const runsBefore = (await db.runs(connectorId)).length;
    const acksBefore = hub.records().filter(acknowledged(connectorId)).length;
    const user = outsiders.shift()!;
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [user]);
    await waitFor(
      () => hub.records().filter(acknowledged(connectorId)).length > acksBefore,
      10_000,
      'the acknowledgement',
      2,
    );
    await hub.kill();
    // Acknowledged (202 sent) but not yet acted on: processing waits 300 ms for a burst to settle.
    expect(await notices()).toBeGreaterThan(0);
    expect(await db.directoryEntraIds(connectorId)).not.toContain(user);
    await emulator.control.waitForNotifications();

    hub = await startHubProcess({ env: hub.env });
    await waitFor(
      async () => (await db.directoryEntraIds(connectorId)).includes(user),
      45_000,
      'the change applied after the restart',
    );
    // From what the killed process stored (the notice, picked up by the sweep, or the job it
    // had queued), not from a redelivery: this process acknowledged nothing for the connector.
    const triggers = (await db.runs(connectorId)).slice(runsBefore).map((r) => r.trigger);
    expect(triggers).toContain('WEBHOOK');
    expect(triggers).not.toContain('POLL');
    expect(hub.records().filter(acknowledged(connectorId))).toEqual([]);
    await waitFor(async () => (await notices()) === 0, 10_000, 'the notice consumed');
  });
});
