/**
 * `node dist/src/main.js` as deployed: one process wires the API, the webhook receiver, the
 * subscription manager, Agenda's jobs and the event bus. Driven like the portal and Graph would
 * drive it: GraphQL over HTTP, real subscriptions and deliveries from the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector, gql, partnerJwt } from './support.js';

const syncRequested =
  (connectorId: string, trigger: string) =>
  (r: Record<string, unknown>): boolean =>
    r['msg'] === 'sync requested (no sync engine wired yet)' &&
    r['connectorId'] === connectorId &&
    r['trigger'] === trigger;

const errorsIn = (hub: HubProcess) => hub.records().filter((r) => Number(r['level']) >= 50);

describe('the hub process (node dist/src/main.js)', () => {
  let emulator: RunningEmulator;
  const envs: Record<string, string>[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    for (const env of envs) await dropHubDatabase(env);
    await emulator?.stop();
  });

  describe('with PUBLIC_BASE_URL', () => {
    let hub: HubProcess;
    let tenant: SeededTenant;
    let connectorId: string;

    beforeAll(async () => {
      tenant = await seedTestTenant(emulator, { users: 8, groups: 2, syncGroupMembers: 3 });
      hub = await startHubProcess({ emulator });
      envs.push(hub.env);
    });
    afterAll(async () => {
      await hub?.kill();
    });

    it('subscribes when a connector is activated and says the hub takes notifications', async () => {
      const started = await hub.waitForLog((r) =>
        String(r['msg']).startsWith('hub runtime started'),
      );
      expect(started).toMatchObject({ realtime: 'WEBHOOKS', pubsub: 'mongo' });
      const jwt = await partnerJwt();
      ({ connectorId } = await activateConnector(hub.url, jwt, tenant, {
        syncedGroupIds: [tenant.groupIds[0]!],
      }));
      await hub.waitForLog(syncRequested(connectorId, 'INITIAL'), 10_000, 'the INITIAL sync');
      // Activation -> status change + INITIAL request -> the upkeep job -> Graph subscriptions.
      const resources = await waitFor(
        () => {
          const list = emulator.control.listSubscriptions(tenant.tenantId).map((s) => s.resource);
          return list.length === 3 ? list.sort() : null;
        },
        15_000,
        'three subscriptions at the emulator',
      );
      expect(resources).toEqual(
        ['/users', `/groups/${tenant.syncGroupId}`, `/groups/${tenant.groupIds[0]}`].sort(),
      );
      const { connector } = await gql<{ connector: { webhooksEnabled: boolean } }>(
        hub.url,
        jwt,
        'query($id:ID!){ connector(id:$id) { webhooksEnabled } }',
        { id: connectorId },
      );
      expect(connector.webhooksEnabled).toBe(true);
    });

    it('turns a membership change in Entra into a WEBHOOK sync request, untouched', async () => {
      const members = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
      const outsider = tenant.userIds.find((id) => !members.includes(id))!;
      expect(emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [outsider])).toBe(1);
      await emulator.control.waitForNotifications();
      await hub.waitForLog(syncRequested(connectorId, 'WEBHOOK'), 10_000, 'the WEBHOOK sync');
      expect(errorsIn(hub)).toEqual([]);
    });

    it('deletes the subscriptions at Graph when the connector is disabled', async () => {
      const jwt = await partnerJwt();
      await gql(
        hub.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
        { id: connectorId },
      );
      await waitFor(
        () => emulator.control.listSubscriptions(tenant.tenantId).length === 0,
        15_000,
        'the subscriptions to be deleted at the emulator',
      );
      await gql(
        hub.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:true) { id } }',
        { id: connectorId },
      );
      await waitFor(
        () => emulator.control.listSubscriptions(tenant.tenantId).length === 3,
        15_000,
        'the subscriptions to be recreated on re-enable',
      );
    });

    it('stops gracefully on SIGTERM', async () => {
      const exit = await hub.stop();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(hub.records().some((r) => r['msg'] === 'stopped')).toBe(true);
      expect(errorsIn(hub)).toEqual([]);
      expect(hub.stderr()).toBe('');
    });
  });

  describe('without PUBLIC_BASE_URL', () => {
    let hub: HubProcess;

    beforeAll(async () => {
      hub = await startHubProcess({
        emulator,
        webhooks: false,
        env: { SYNC_POLL_INTERVAL_MS: '2000' },
      });
      envs.push(hub.env);
    });
    afterAll(async () => {
      await hub?.kill();
    });

    it('runs connectors on polling alone and says so', async () => {
      const tenant = await seedTestTenant(emulator, { users: 4, groups: 1, syncGroupMembers: 2 });
      const started = await hub.waitForLog((r) =>
        String(r['msg']).startsWith('hub runtime started'),
      );
      expect(started).toMatchObject({
        realtime: 'POLLING_ONLY',
        msg: 'hub runtime started: polling only (PUBLIC_BASE_URL is not set)',
      });
      const jwt = await partnerJwt('partner-poll');
      const { connectorId } = await activateConnector(hub.url, jwt, tenant);
      const { connector } = await gql<{ connector: { webhooksEnabled: boolean } }>(
        hub.url,
        jwt,
        'query($id:ID!){ connector(id:$id) { webhooksEnabled } }',
        { id: connectorId },
      );
      expect(connector.webhooksEnabled).toBe(false);
      await hub.waitForLog(syncRequested(connectorId, 'POLL'), 15_000, 'a POLL sync request');
      expect(emulator.control.listSubscriptions(tenant.tenantId)).toEqual([]);
      expect(errorsIn(hub)).toEqual([]);
    });
  });
});
