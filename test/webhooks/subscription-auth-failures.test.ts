/**
 * A token-endpoint refusal met while keeping Graph subscriptions (renewals due, the client
 * secret expired) is named as everywhere else: UNAUTHORIZED with Entra's reason, logged once
 * (the remaining steps are not tried against a wall), and put into the connector's status
 * without counting toward the syncs' backoff. It used to read "Graph subscription step failed"
 * with UPSTREAM_UNAVAILABLE (status -1), once per subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphSubscriptionsApi } from '../../src/integrations/entra/subscriptions.js';
import { createGraphSubscriptionService } from '../../src/webhooks/create-graph-subscription-service.js';
import type { NotificationScheduler } from '../../src/webhooks/notification-intake.service.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { serveRouter } from '../helpers/http.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { captureLogger } from '../helpers/logger.js';

const DAY = 86_400_000;

describe('subscription upkeep: token-endpoint refusals are named', () => {
  let h: TestHub;
  let tenant: SeededTenant;
  let server: Awaited<ReturnType<typeof serveRouter>>;
  const registry = new FakeRegistry();
  const logs = captureLogger();
  const scheduler: NotificationScheduler = {
    connectorChanged: () => Promise.resolve(),
    subscriptionsNeedAttention: () => Promise.resolve(),
  };

  beforeAll(async () => {
    h = await startTestHub({ emulator: true });
    tenant = await seedTestTenant(h.emulator!, { users: 4, groups: 1, syncGroupMembers: 2 });
    const receiver = createGraphWebhookReceiver({
      connection: h.connection,
      scheduler,
      logger: logs.logger,
      maxBodyBytes: 1_048_576,
    });
    server = await serveRouter(receiver.router);
  });
  afterAll(async () => {
    await server?.close();
    await h?.stop();
  });

  it('an expired secret during renewals: one UNAUTHORIZED step with the reason, and the status', async () => {
    const emulator = h.emulator!;
    const config = registry.add({
      connectorId: 'upkeep',
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      syncGroupId: tenant.syncGroupId,
      syncedGroupIds: [tenant.groupIds[0]!],
    });
    const service = createGraphSubscriptionService({
      connection: h.connection,
      registry,
      // The hub's own Graph clients (token provider, MSAL cache), as the runtime wires them.
      graphFor: (credentials) => new GraphSubscriptionsApi(h.infra.entra.graphClient(credentials)),
      publicBaseUrl: server.baseUrl,
      lifetimeMinutes: 41_000,
      scheduler,
      logger: logs.logger,
      now: () => new Date(emulator.control.now()),
    });
    expect(await service.reconcileSubscriptions('upkeep')).toMatchObject({ created: 3, failed: 0 });

    // The secret expires on the date the admin entered; renewals fall due.
    emulator.control.expireSecret(tenant.clientId, tenant.secretKeyId);
    const expiredOn = new Date();
    config.clientSecretExpiresAt = expiredOn;
    emulator.control.advanceClock(22 * DAY);
    const result = await service.reconcileSubscriptions('upkeep');
    expect(result).toMatchObject({ failed: 1, renewed: 0, errorCode: 'UPSTREAM_UNAUTHORIZED' });

    const steps = logs.records().filter((r) => r['msg'] === 'Graph subscription step failed');
    expect(steps).toEqual([
      expect.objectContaining({
        code: 'UPSTREAM_UNAUTHORIZED',
        reason: 'EXPIRED_SECRET',
        details: { reason: 'EXPIRED_SECRET', entraCode: 'AADSTS7000222' },
      }),
    ]);
    const message = `The client secret expired on ${expiredOn.toISOString().slice(0, 10)} (AADSTS7000222). Create a new client secret in the app registration and enter its Value here.`;
    expect(steps[0]!['cause']).toBe(message);
    expect(registry.outcomes).toEqual([
      {
        connectorId: 'upkeep',
        outcome: expect.objectContaining({ ok: false, status: 'UNAUTHORIZED', message }),
        options: { backoff: false },
      },
    ]);
    expect(logs.text()).not.toContain(tenant.clientSecret);
  });
});
