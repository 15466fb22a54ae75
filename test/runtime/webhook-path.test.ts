/**
 * The webhook path in a real hub process, fed by the emulator's deliveries: forged notifications
 * are ignored, a burst collapses into a few syncs, and a notification acknowledged just before a
 * SIGKILL is still acted on after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose, { type Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { makeChangeNotification } from '../builders/graph-notifications.js';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector, partnerJwt } from './support.js';

type LogRecord = Record<string, unknown>;
const STUB_SYNC = 'sync requested (no sync engine wired yet)';
const webhookSyncs = (hub: HubProcess, connectorId: string) =>
  hub
    .records()
    .filter(
      (r) =>
        r['msg'] === STUB_SYNC && r['connectorId'] === connectorId && r['trigger'] === 'WEBHOOK',
    );
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
  let db: Connection;
  let connectorId: string;
  let outsiders: string[];

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 560, groups: 1, syncGroupMembers: 20 });
    const members = new Set(
      emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds,
    );
    outsiders = tenant.userIds.filter((id) => !members.has(id));
    hub = await startHubProcess({ emulator });
    db = await mongoose.createConnection(hub.env['MONGODB_URI']!).asPromise();
    ({ connectorId } = await activateConnector(hub.url, await partnerJwt(), tenant));
    await waitFor(
      () => emulator.control.listSubscriptions(tenant.tenantId).length === 2,
      15_000,
      'the subscriptions at the emulator',
    );
    // The creation itself records a change (what happened before it existed): let it settle.
    await hub.waitForLog(
      (r) =>
        r['msg'] === STUB_SYNC && r['connectorId'] === connectorId && r['trigger'] === 'WEBHOOK',
      15_000,
      'the post-subscription catch-up sync',
    );
    await waitFor(
      async () => (await changeNoticeModel(db).countDocuments({ connectorId })) === 0,
      10_000,
      'no pending notice',
    );
  });
  afterAll(async () => {
    await hub?.kill();
    await db?.close();
    if (hub) await dropHubDatabase(hub.env);
    await emulator?.stop();
  });

  it('ignores a notification with a wrong clientState: no notice, no sync, a warning', async () => {
    const syncsBefore = webhookSyncs(hub, connectorId).length;
    const record = (await graphSubscriptionModel(db).findOne({ connectorId }).lean())!;
    const forged = 'forged-client-state-value-0123456789abcdef';
    const response = await fetch(`${hub.url}/webhooks/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [makeChangeNotification({ record, clientState: forged })] }),
    });
    expect(response.status).toBe(202);
    await hub.waitForLog(
      (r) => r['msg'] === 'notification failed authentication and was ignored',
      5_000,
      'the authentication warning',
    );
    expect(await changeNoticeModel(db).countDocuments({ connectorId })).toBe(0);
    // Enough for a sweep-free processing round (settle 300 ms) to have happened if it were queued.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(webhookSyncs(hub, connectorId)).toHaveLength(syncsBefore);
    expect(hub.lines.join('\n')).not.toContain(forged);
  });

  it('turns a burst of 500 membership changes into a bounded number of syncs', async () => {
    const syncsBefore = webhookSyncs(hub, connectorId).length;
    const acksBefore = hub.records().filter(acknowledged(connectorId)).length;
    const burst = outsiders.slice(0, 500);
    expect(burst).toHaveLength(500);
    // One change each, as 500 admins clicking: the emulator batches deliveries like Graph does.
    for (const userId of burst) {
      emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [userId]);
    }
    await emulator.control.waitForNotifications();
    const delivered = () =>
      hub
        .records()
        .filter(acknowledged(connectorId))
        .slice(acksBefore)
        .reduce((sum, r) => sum + Number(r['items']), 0);
    await waitFor(() => delivered() >= 500, 20_000, '500 acknowledged notifications');
    await waitFor(
      async () => (await changeNoticeModel(db).countDocuments({ connectorId })) === 0,
      20_000,
      'every notice processed',
    );
    const syncs = webhookSyncs(hub, connectorId).length - syncsBefore;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(5);
  });

  it('acts after a restart on a notification acknowledged right before a SIGKILL', async () => {
    const acksBefore = hub.records().filter(acknowledged(connectorId)).length;
    const syncsBefore = webhookSyncs(hub, connectorId).length;
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [outsiders[500]!]);
    await waitFor(
      () => hub.records().filter(acknowledged(connectorId)).length > acksBefore,
      10_000,
      'the acknowledgement',
      2,
    );
    await hub.kill();
    // Acknowledged (202 sent) but not acted on: the processing waits 300 ms for a burst to settle.
    expect(webhookSyncs(hub, connectorId)).toHaveLength(syncsBefore);
    expect(await changeNoticeModel(db).countDocuments({ connectorId })).toBeGreaterThan(0);
    await emulator.control.waitForNotifications();

    hub = await startHubProcess({ env: hub.env });
    await hub.waitForLog(
      (r) =>
        r['msg'] === STUB_SYNC && r['connectorId'] === connectorId && r['trigger'] === 'WEBHOOK',
      40_000,
      'the WEBHOOK sync after the restart',
    );
    // From the stored notice (the sweep), not from a redelivery.
    expect(hub.records().some((r) => r['msg'] === 'sweeping unprocessed change notices')).toBe(
      true,
    );
    expect(hub.records().filter(acknowledged(connectorId))).toEqual([]);
    await waitFor(
      async () => (await changeNoticeModel(db).countDocuments({ connectorId })) === 0,
      10_000,
      'the notice to be consumed',
    );
  });
});
