/**
 * The metrics the alert rules of deploy/prometheus read (docs/operations.md, "Alerts"): Graph
 * subscription health per connector, client-secret expiry per connector, and build_info, served
 * by a running hub's /metrics from what the database holds.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types, type Connection } from 'mongoose';
import { ConnectorKind } from '../../src/domain/connector.js';
import { connectorModel } from '../../src/db/models/connector.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { JobName } from '../../src/jobs/job-names.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { readBuildInfo } from '../../src/observability/build-info.js';
import {
  subscriptionHealth,
  subscriptionState,
  type SubscriptionFacts,
} from '../../src/observability/connector-health.collector.js';
import { openTestConnection } from '../helpers/database.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';
import { metricSum } from './dev-stack.helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

function sub(partial: Partial<SubscriptionFacts> = {}): SubscriptionFacts {
  return {
    connectorId: 'c1',
    resource: '/users',
    expiresAt: at(20 * DAY),
    renewAfter: at(13 * DAY),
    removedAt: null,
    reauthorizationRequestedAt: null,
    ...partial,
  };
}

describe('subscription state', () => {
  it.each([
    ['delivering, renewal not due', sub(), 'active'],
    ['renewal due, not yet renewed', sub({ renewAfter: at(-HOUR) }), 'expiring'],
    ['Graph asked for reauthorization', sub({ reauthorizationRequestedAt: at(-HOUR) }), 'expiring'],
    ['expired at Graph', sub({ renewAfter: at(-8 * DAY), expiresAt: at(-HOUR) }), 'failing'],
    ['removed by Graph', sub({ removedAt: at(-HOUR) }), 'failing'],
  ] as const)('%s: %s', (_what, facts, state) => {
    expect(subscriptionState(facts, NOW)).toBe(state);
  });

  it('counts per connector, and an active connector without a delivering /users subscription as failing', () => {
    const health = subscriptionHealth(
      [
        sub(),
        sub({ resource: '/groups/g1', renewAfter: at(-HOUR) }),
        sub({ connectorId: 'c2', removedAt: at(-HOUR) }),
        sub({ connectorId: 'c3', resource: '/groups/g1' }),
      ],
      ['c1', 'c2', 'c3', 'c4'],
      NOW,
    );
    expect(Object.fromEntries(health)).toEqual({
      c1: { active: 1, expiring: 1, failing: 0 },
      c2: { active: 0, expiring: 0, failing: 2 },
      c3: { active: 1, expiring: 0, failing: 1 },
      c4: { active: 0, expiring: 0, failing: 1 },
    });
  });
});

/**
 * A hub's jobs change subscriptions from the start: the renewal reconciles the ones due (and
 * deletes what it cannot keep), the reconcile tick those of the connectors due now, and a hub
 * without PUBLIC_BASE_URL deletes every one it reconciles. The metrics are read from
 * subscriptions written after both first runs finished: the next runs are minutes away (an hour
 * for the renewal, a 288th of the reconcile interval for its tick).
 */
async function startupJobsFinished(connection: Connection, since: Date): Promise<void> {
  const jobs = connection.db!.collection(AGENDA_COLLECTION);
  const names = [JobName.RENEW_SUBSCRIPTIONS, JobName.RECONCILE_CONNECTORS];
  await waitFor(
    async () =>
      (await jobs.countDocuments({ name: { $in: names }, lastFinishedAt: { $gte: since } })) ===
      names.length,
    15_000,
    'the first runs of the subscription jobs',
  );
}

describe('GET /metrics of a running hub', () => {
  let db: { connection: Connection; close(): Promise<void> };
  let hub: TestRuntime;
  const ids = { healthy: '', renewalDue: '', removed: '', noSubscription: '', disabled: '' };
  const secretExpiry = new Date('2027-03-01T00:00:00Z');
  const live = (connectorId: string, extra: Record<string, unknown> = {}) => ({
    _id: `sub-${randomBytes(6).toString('hex')}`,
    connectorId,
    tenantId: 't',
    resource: '/users',
    changeType: 'updated,deleted',
    clientStateHash: 'x'.repeat(64),
    expiresAt: new Date(Date.now() + 20 * DAY),
    renewAfter: new Date(Date.now() + 13 * DAY),
    ...extra,
  });

  beforeAll(async () => {
    db = await openTestConnection();
    const Connector = connectorModel(db.connection);
    const now = Date.now();
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
      const created = await Connector.create({
        name,
        companyId: new Types.ObjectId(),
        partnerId: 'p',
        kind: ConnectorKind.AZURE_AD,
        authTokenHash: `hash-${randomBytes(6).toString('hex')}`,
        enabled: name !== 'disabled',
        activatedAt: new Date(now - DAY),
        verifiedAt: new Date(now - DAY),
        syncGroupId: 'sync-group',
        clientSecretExpiresAt: secretExpiry,
      });
      ids[name] = created._id.toHexString();
    }
    const started = new Date();
    hub = await startTestRuntime({ connection: db.connection });
    await startupJobsFinished(db.connection, started);
    await graphSubscriptionModel(db.connection).create([
      live(ids.healthy),
      live(ids.healthy, { resource: '/groups/sync-group' }),
      live(ids.renewalDue, { renewAfter: new Date(now - 2 * HOUR) }),
      live(ids.removed, { removedAt: new Date(now - HOUR) }),
    ]);
  });
  afterAll(async () => {
    await hub?.stop();
    await db?.close();
  });

  it('serves subscription health per connector, secret expiry and build_info', async () => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    const subs = (id: string, state: string) =>
      metricSum(text, 'hub_graph_subscriptions', { connector_id: id, state });
    const states = (id: string) => ['active', 'expiring', 'failing'].map((s) => subs(id, s));
    expect(states(ids.healthy)).toEqual([2, 0, 0]);
    expect(states(ids.renewalDue)).toEqual([0, 1, 0]);
    expect(states(ids.removed)).toEqual([0, 0, 2]);
    expect(states(ids.noSubscription)).toEqual([0, 0, 1]);
    // Disabled: not expected to hear from Graph, and its secret is not watched.
    expect(text).not.toContain(`connector_id="${ids.disabled}"`);

    const expiry = (id: string) =>
      metricSum(text, 'hub_connector_client_secret_expiry_timestamp_seconds', { connector_id: id });
    expect(expiry(ids.healthy)).toBe(secretExpiry.getTime() / 1000);
    expect(expiry(ids.noSubscription)).toBe(secretExpiry.getTime() / 1000);

    const build = readBuildInfo();
    expect(build.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(text).toContain(
      `hub_build_info{version="${build.version}",revision="${build.revision}",node="${process.version}"} 1`,
    );
  });

  it('a hub without PUBLIC_BASE_URL expects no subscriptions: only existing ones are reported', async () => {
    // It shares the first hub's job schedule: its jobs do not run again at start.
    const polling = await startTestRuntime({ connection: db.connection, webhooks: false });
    try {
      const text = await (await fetch(`${polling.url}/metrics`)).text();
      expect(text).not.toContain(`connector_id="${ids.noSubscription}",state`);
      expect(
        metricSum(text, 'hub_graph_subscriptions', { connector_id: ids.healthy, state: 'active' }),
      ).toBe(2);
    } finally {
      await polling.stop();
    }
  });
});
