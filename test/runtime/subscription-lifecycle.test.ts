/**
 * Subscriptions follow the connector in the running service (in-process runtime, real database,
 * the emulator over HTTPS): re-saving with other groups re-subscribes, the recurring job renews
 * a subscription near its expiry, uninstalling forgets them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { SyncTrigger } from '../../src/domain/connector.js';
import { openTestConnection } from '../helpers/database.js';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { partnerJwt } from '../helpers/jwt.js';

describe('subscriptions in the running service', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let rt: TestRuntime;
  let connectorId: string;
  let jwt: string;
  const atEmulator = () => emulator.control.listSubscriptions(tenant.tenantId);
  const resources = () =>
    atEmulator()
      .map((s) => s.resource)
      .sort();

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 8, groups: 3, syncGroupMembers: 3 });
    ({ connection, close: closeDb } = await openTestConnection());
    rt = await startTestRuntime({
      connection,
      emulator,
      tuning: { jobs: { renewEveryMs: 300 } },
    });
    jwt = await partnerJwt('partner-subs');
    ({ connectorId } = await activateConnector(rt.url, jwt, tenant));
    await waitFor(() => atEmulator().length === 2, 15_000, 'two subscriptions');
  });
  afterAll(async () => {
    await rt?.stop();
    await closeDb?.();
    await emulator?.stop();
  });

  it('re-subscribes when the selected groups changed (Synchronize Now, Save changes)', async () => {
    const security = (name: string) =>
      emulator.control.createGroup(tenant.tenantId, {
        displayName: name,
        securityEnabled: true,
        mailEnabled: false,
      }).id;
    const [g1, g2] = [security('Finance'), security('Sales')];
    await gql(
      rt.url,
      jwt,
      'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
      { id: connectorId, g: [g1, g2] },
    );
    // "Synchronize Now" (and, with the API's re-save, "Save changes") requests a MANUAL sync.
    await gql(rt.url, jwt, 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }', {
      id: connectorId,
    });
    expect(rt.syncs.requests.at(-1)).toMatchObject({ connectorId, trigger: SyncTrigger.MANUAL });
    const expected = ['/users', `/groups/${tenant.syncGroupId}`, `/groups/${g1}`, `/groups/${g2}`];
    await waitFor(() => resources().length === 4, 15_000, 'four subscriptions');
    expect(resources()).toEqual(expected.sort());

    await gql(
      rt.url,
      jwt,
      'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
      { id: connectorId, g: [g2] },
    );
    await gql(rt.url, jwt, 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }', {
      id: connectorId,
    });
    await waitFor(() => resources().length === 3, 15_000, 'the dropped group unsubscribed');
    expect(resources()).toEqual(
      ['/users', `/groups/${tenant.syncGroupId}`, `/groups/${g2}`].sort(),
    );
    expect((await rt.runtime.subscriptions.getRealtimeStatus(connectorId)).mode).toBe('WEBHOOKS');
  });

  it('renews a subscription near its expiry through the recurring job', async () => {
    const subscriptions = graphSubscriptionModel(connection);
    const doc = (await subscriptions.findOne({ connectorId, resource: '/users' }).lean())!;
    const atGraph = atEmulator().find((s) => s.id === doc._id)!;
    // Ten minutes left, due for renewal: as it would look 28 days after creation.
    const nearExpiry = new Date(Date.now() + 10 * 60_000);
    await subscriptions.updateOne(
      { _id: doc._id },
      { $set: { expiresAt: nearExpiry, renewAfter: new Date(Date.now() - 1_000) } },
    );
    const renewed = await waitFor(
      async () => {
        const now = (await subscriptions.findById(doc._id).lean())!;
        return now.expiresAt.getTime() > Date.now() + 86_400_000 ? now : null;
      },
      15_000,
      'the renewal',
    );
    expect(renewed.renewAfter.getTime()).toBeGreaterThan(Date.now());
    const after = atEmulator().find((s) => s.id === doc._id)!;
    expect(Date.parse(after.expirationDateTime)).toBe(renewed.expiresAt.getTime());
    expect(Date.parse(after.expirationDateTime)).toBeGreaterThanOrEqual(
      Date.parse(atGraph.expirationDateTime),
    );
    expect(atEmulator()).toHaveLength(3);
  });

  it('forgets the subscriptions on uninstall', async () => {
    await gql(rt.url, jwt, 'mutation($id:ID!){ uninstallConnector(connectorId:$id) { id } }', {
      id: connectorId,
    });
    await waitFor(
      async () => (await graphSubscriptionModel(connection).countDocuments({ connectorId })) === 0,
      15_000,
      'the local subscriptions removed',
    );
    expect((await rt.runtime.subscriptions.getRealtimeStatus(connectorId)).mode).toBe(
      'POLLING_ONLY',
    );
  });
});
