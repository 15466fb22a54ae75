import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { GraphSubscriptionsApi } from '../../src/integrations/entra/subscriptions.js';
import { createGraphSubscriptionService } from '../../src/webhooks/create-graph-subscription-service.js';
import type { NotificationScheduler } from '../../src/webhooks/notification-intake.service.js';
import type { GraphSubscriptionService } from '../../src/webhooks/graph-subscription.service.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import { openTestConnection } from '../helpers/database.js';
import {
  createGraphClient,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { serveRouter } from '../helpers/http.js';
import { captureLogger } from '../helpers/logger.js';
import { pendingChanges } from '../helpers/notices.js';
import { waitFor } from '../helpers/wait.js';

const DAY = 86_400_000;

/**
 * The subscription manager and the receiver against the Graph emulator over HTTPS: real
 * validation handshakes, real deliveries, the emulator's clock for expiry and renewal.
 */
describe('Graph subscriptions against the emulator', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let server: Awaited<ReturnType<typeof serveRouter>>;
  let service: GraphSubscriptionService;
  const attention: string[] = [];
  const registry = new FakeRegistry();
  const logs = captureLogger();

  const scheduler: NotificationScheduler = {
    connectorChanged: () => Promise.resolve(),
    subscriptionsNeedAttention: (id) => {
      attention.push(id);
      return Promise.resolve();
    },
  };
  const atEmulator = () => emulator.control.listSubscriptions(tenant.tenantId);

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 8, groups: 2, syncGroupMembers: 3 });
    ({ connection, close: closeDb } = await openTestConnection());
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      logger: logs.logger,
      maxBodyBytes: 1_048_576,
    });
    server = await serveRouter(receiver.router);
    registry.add({
      connectorId: 'emu',
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      syncGroupId: tenant.syncGroupId,
      syncedGroupIds: [tenant.groupIds[0]!],
    });
    service = createGraphSubscriptionService({
      connection,
      registry,
      // Fresh tokens: MSAL judges token expiry by the real clock, the emulator by its own.
      graphFor: (config) =>
        new GraphSubscriptionsApi(createGraphClient(emulator, config, { freshTokens: true })),
      publicBaseUrl: server.baseUrl,
      lifetimeMinutes: 41_000,
      scheduler,
      logger: logs.logger,
      now: () => new Date(emulator.control.now()),
    });
  });
  afterAll(async () => {
    await server?.close();
    await closeDb?.();
    await emulator?.stop();
  });
  beforeEach(async () => {
    await changeNoticeModel(connection).deleteMany({});
  });

  it('subscribes through the validation handshake and receives membership changes', async () => {
    const result = await service.reconcileSubscriptions('emu');
    expect(result).toMatchObject({ created: 3, failed: 0, mode: 'WEBHOOKS' });
    expect(
      atEmulator()
        .map((s) => s.resource)
        .sort(),
    ).toEqual(['/users', `/groups/${tenant.syncGroupId}`, `/groups/${tenant.groupIds[0]}`].sort());
    await changeNoticeModel(connection).deleteMany({});

    const member = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
    const outsider = tenant.userIds.find((id) => !member.includes(id))!;
    expect(emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [outsider])).toBe(1);
    await emulator.control.waitForNotifications();
    await waitFor(
      async () => (await pendingChanges(connection, 'emu')).count > 0,
      5_000,
      'a notice from the emulator delivery',
    );
  });

  it('renews with a quarter of the lifetime left, on the emulator clock', async () => {
    const before = new Map(atEmulator().map((s) => [s.id, s.expirationDateTime]));
    expect(await service.connectorIdsNeedingMaintenance()).toEqual([]);
    emulator.control.advanceClock(22 * DAY);
    expect(await service.connectorIdsNeedingMaintenance()).toEqual(['emu']);
    const result = await service.reconcileSubscriptions('emu');
    expect(result).toMatchObject({ renewed: 3, created: 0, failed: 0 });
    for (const sub of atEmulator()) {
      expect(Date.parse(sub.expirationDateTime)).toBeGreaterThan(Date.parse(before.get(sub.id)!));
    }
  });

  it('recreates a subscription the emulator no longer knows (404 on renew)', async () => {
    const graph = createGraphClient(emulator, tenant, { freshTokens: true });
    const gone = atEmulator().find((s) => s.resource === '/users')!;
    await graph.api(`/subscriptions/${gone.id}`).delete();
    emulator.control.advanceClock(22 * DAY);
    const result = await service.reconcileSubscriptions('emu');
    expect(result).toMatchObject({ created: 1, renewed: 2, failed: 0, mode: 'WEBHOOKS' });
    const users = atEmulator().find((s) => s.resource === '/users')!;
    expect(users.id).not.toBe(gone.id);
    expect(await graphSubscriptionModel(connection).findById(gone.id).lean()).toBeNull();
  });

  it('recreates everything after the subscriptions expired at Graph', async () => {
    emulator.control.advanceClock(30 * DAY);
    expect(atEmulator()).toHaveLength(0);
    expect((await service.getRealtimeStatus('emu')).mode).toBe('POLLING_ONLY');
    const result = await service.reconcileSubscriptions('emu');
    expect(result).toMatchObject({ created: 3, failed: 0, mode: 'WEBHOOKS' });
  });

  it('reauthorizes after a reauthorizationRequired lifecycle event', async () => {
    const target = atEmulator()[0]!;
    emulator.control.sendLifecycleEvent(target.id, 'reauthorizationRequired');
    await emulator.control.waitForNotifications();
    await waitFor(() => attention.includes('emu'), 5_000, 'the lifecycle hand-off');
    expect(atEmulator().find((s) => s.id === target.id)?.reauthorizationRequired).toBe(true);
    const result = await service.reconcileSubscriptions('emu');
    expect(result).toMatchObject({ reauthorized: 1, failed: 0 });
    expect(atEmulator().find((s) => s.id === target.id)?.reauthorizationRequired).toBe(false);
  });

  it('tears everything down on uninstall', async () => {
    expect(await service.removeSubscriptions('emu')).toBe(3);
    expect(atEmulator()).toHaveLength(0);
  });
});
