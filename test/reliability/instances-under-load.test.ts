/**
 * Two, then three hub processes on one database behind a round-robin load balancer (Graph's
 * notifications land on any instance), six connectors of six companies under two partners, each
 * on its own tenant with a few hundred users. Load: a stream of Entra joins, leaves and renames
 * (change notifications, WEBHOOK syncs), "Synchronize Now" fired at random instances, the poll.
 * A connector's runs never overlap whichever instances take them, nobody exists twice, every
 * directory ends up as Entra says, and a `syncRunUpdated` subscriber on every instance sees every
 * run reach its final status, whichever instance ran it. (Two instances lightly, one connector:
 * test/runtime/two-instances.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { freePort } from '../helpers/hub.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { type Recording, subscribeOverWs } from '../helpers/graphql.js';
import {
  allowMassChanges,
  maxConcurrentRuns,
  runsExecutedBy,
  seededRandom,
  staleNames,
  startRoundRobin,
  TenantChanges,
  waitMatches,
} from './load-support.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gqlAnswer } from '../helpers/graphql.js';
import { FINISHED, type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import { recordOutcome } from './support.js';
import { unpack, type Packed } from '../../src/db/models/packed.js';

const CONNECTORS = 5;
const LOAD_MS = 8_000;
const TIMED_OUT = 'client timeout';
const SYNC_RUN_UPDATED = `subscription($connectorId: ID!) {
  syncRunUpdated(connectorId: $connectorId) { id status connectorId }
}`;

interface RunEvent {
  id: string;
  status: string;
  connectorId: string;
}

interface Connector {
  connectorId: string;
  companyId: string;
  jwt: string;
  changes: TenantChanges;
}

describe('hub instances sharing one database under load', () => {
  let emulator: RunningEmulator;
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  const hubs: HubProcess[] = [];
  let data: HubData;
  const connectors: Connector[] = [];
  const random = seededRandom(4_242);
  const outcome: Record<string, unknown> = {};

  const started = Date.now();
  const timeline: string[] = [];
  const mark = (what: string) => {
    timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
    outcome['timeline'] = timeline;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  async function startInstance(): Promise<HubProcess> {
    const env = hubs[0] ? { ...hubs[0].env, PORT: String(await freePort()) } : undefined;
    const hub = await startHubProcess({
      emulator,
      env: env ?? {
        PUBLIC_BASE_URL: balancer.url,
        SYNC_POLL_INTERVAL_MS: '60000',
      },
    });
    hubs.push(hub);
    return hub;
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({
      notificationRetryBaseMs: 500,
      notificationRetryWindowMs: 60_000,
      deliveryTimeoutMs: 5_000,
    });
    balancer = await startRoundRobin(() => hubs.map((h) => h.url));
    await startInstance();
    await startInstance();
    data = await openHubData(hubs[0]!.env['MONGODB_URI']!);
    mark('two instances started');
    const partners = [await partnerJwt('partner-load-a'), await partnerJwt('partner-load-b')];
    for (let i = 0; i < CONNECTORS; i++) {
      const tenant: SeededTenant = await seedTestTenant(emulator, {
        users: 250,
        groups: 1,
        syncGroupMembers: 120,
        seed: 100 + i,
      });
      const jwt = partners[i % 2]!;
      const hub = hubs[i % hubs.length]!;
      const { connectorId, companyId } = await activateConnector(hub.url, jwt, tenant);
      await allowMassChanges(hub.url, jwt, connectorId);
      connectors.push({
        connectorId,
        companyId,
        jwt,
        changes: new TenantChanges(emulator, tenant, random),
      });
    }
    mark('connectors activated');
    for (const c of connectors) await waitMatches(data, c.connectorId, c.changes, 120_000);
    mark('initial syncs done');
    await waitFor(
      () =>
        connectors.every(
          (c) => emulator.control.listSubscriptions(c.changes.tenant.tenantId).length === 2,
        ),
      30_000,
      'two Graph subscriptions per connector',
    );
  }, 200_000);

  afterAll(async () => {
    await Promise.all(hubs.map((h) => h.kill()));
    await data?.close();
    if (hubs[0]) await dropHubDatabase(hubs[0].env);
    await balancer?.close();
    await emulator?.stop();
    await recordOutcome('instances-under-load', outcome);
  });

  /** "Synchronize Now" on one instance: null, or the error code (TIMED_OUT: no answer in 30 s). */
  async function synchronizeNow(hub: HubProcess, c: Connector): Promise<string | null> {
    try {
      const answer = await gqlAnswer(
        hub.url,
        c.jwt,
        'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
        { id: c.connectorId },
        30_000,
      );
      return answer.errors?.[0]?.extensions?.code ?? answer.errors?.[0]?.message ?? null;
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? TIMED_OUT : String(error);
    }
  }

  /** For a connector that did not converge: the stale users' histories and what runs did. */
  async function diagnose(c: Connector): Promise<unknown> {
    const users = await data.users(c.connectorId);
    const stale = staleNames(users, c.changes);
    const executed = hubs.map((h) => runsExecutedBy(h.records()));
    const runs = await data.runs(c.connectorId);
    const chunks = await data.connection
      .db!.collection('sync_changes')
      .find({ runId: { $in: runs.map((r) => String(r._id)) } })
      .toArray();
    const odd = new Set(runs.filter((r) => r.status !== 'SUCCEEDED').map((r) => String(r._id)));
    const locks = await data.connection.db!.collection('sync_locks').find({}).toArray();
    return {
      locks,
      logs: hubs.map((h) =>
        h
          .records()
          .filter((r) => Number(r['level']) >= 40 || odd.has(String(r['runId'])))
          .slice(0, 40)
          .map((r) => ({
            time: new Date(Number(r['time'])).toISOString(),
            msg: r['msg'],
            runId: r['runId'],
            err: (r['err'] as { message?: string } | undefined)?.message,
          })),
      ),
      maxConcurrent: maxConcurrentRuns(runs),
      runs: runs.map((r) => ({
        id: String(r._id),
        trigger: r.trigger,
        status: r.status,
        requestedAt: r.requestedAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        instance: executed.findIndex((ids) => ids.has(String(r._id))),
      })),
      stale: stale.slice(0, 5).map((id) => ({
        id,
        hub: users.find((u) => u.entraId === id)?.displayName,
        entra: c.changes.displayName(id),
        history: c.changes.history.get(id),
        changes: chunks.flatMap((chunk) =>
          unpack(chunk['entries'] as Packed<Record<string, unknown>>)
            .filter((e) => e['objectId'] === id)
            .map((e) => ({
              runId: String(chunk['runId']),
              action: e['action'],
              after: e['after'],
            })),
        ),
      })),
    };
  }

  /**
   * Subscribes on every instance to every connector's runs, loads the fleet for LOAD_MS, waits
   * until every directory matches Entra, and returns what each instance's subscribers saw.
   */
  async function loadPhase(name: string): Promise<void> {
    const watching = hubs.map((hub) =>
      Promise.all(
        connectors.map((c) =>
          subscribeOverWs<RunEvent>(hub.url, c.jwt, {
            query: SYNC_RUN_UPDATED,
            variables: { connectorId: c.connectorId },
            field: 'syncRunUpdated',
          }),
        ),
      ),
    );
    const subscribers: Recording<RunEvent>[][] = await Promise.all(watching);
    try {
      // The resolver registers with the bus right after the connection ack.
      await sleep(500);
      const since = new Date();
      const requests: Promise<string | null>[] = [];
      const changesBefore = connectors.map((c) => ({ ...c.changes.counts }));
      const until = Date.now() + LOAD_MS;
      for (let tick = 0; Date.now() < until; tick++) {
        pick(connectors).changes.change();
        if (tick % 8 === 0) {
          // The same connector through two instances at once: the race the queue must absorb.
          const c = pick(connectors);
          const first = pick(hubs);
          const second = hubs[(hubs.indexOf(first) + 1) % hubs.length]!;
          for (const hub of [first, second]) requests.push(synchronizeNow(hub, c));
        }
        await sleep(100);
      }
      const answers = await Promise.all(requests);
      // A client timeout is the loaded machine; any GraphQL error would be the hub refusing.
      const refused = answers.filter((e) => e !== null && e !== TIMED_OUT);
      const timedOut = answers.filter((e) => e === TIMED_OUT).length;
      mark(`${name}: load done`);
      for (const c of connectors) {
        await waitMatches(data, c.connectorId, c.changes, 120_000).catch(async (error: unknown) => {
          outcome[`${name}Diagnosis`] = await diagnose(c);
          throw error;
        });
      }
      mark(`${name}: converged`);
      const convergedAt = new Date();

      // Every run of the phase, on every instance's subscribers, in its final status.
      const runs = (
        await Promise.all(
          connectors.map(async (c) =>
            (await data.runs(c.connectorId)).filter(
              (r) => r.requestedAt >= since && r.requestedAt <= convergedAt,
            ),
          ),
        )
      ).flat();
      const missing = () =>
        subscribers.map((perConnector) => {
          const finals = new Set(
            perConnector
              .flatMap((s) => s.events)
              .filter((e) => FINISHED.includes(e.status))
              .map((e) => e.id),
          );
          return runs.filter((r) => !finals.has(String(r._id))).map((r) => String(r._id));
        });
      await waitFor(
        () => missing().every((ids) => ids.length === 0),
        20_000,
        'every subscriber to see every run finish',
      ).catch(() => undefined);
      mark(`${name}: subscribers checked`);

      outcome[name] = {
        instances: hubs.length,
        entraChanges: connectors.reduce(
          (sum, c, i) => {
            for (const kind of ['join', 'leave', 'rename'] as const)
              sum[kind] += c.changes.counts[kind] - changesBefore[i]![kind];
            return sum;
          },
          { join: 0, leave: 0, rename: 0 },
        ),
        synchronizeNow: { sent: requests.length, refused, clientTimeouts: timedOut },
        runs: runs.length,
        runsByTrigger: countBy(runs.map((r) => r.trigger)),
        runsByStatus: countBy(runs.map((r) => r.status)),
        subscriberEventsPerInstance: subscribers.map((s) =>
          s.reduce((sum, r) => sum + r.events.length, 0),
        ),
        runsMissedPerInstance: missing().map((ids) => ids.length),
      };
      expect(refused).toEqual([]);
      expect(missing()).toEqual(hubs.map(() => []));
      for (const perConnector of subscribers) {
        for (const s of perConnector) expect(s.errors).toEqual([]);
      }
    } finally {
      await Promise.all(subscribers.flat().map((s) => s.dispose()));
    }
  }

  it('keeps every connector consistent with two, then three instances', async () => {
    await loadPhase('twoInstances');
    await startInstance();
    mark('third instance started');
    await loadPhase('threeInstances');

    // No instance died along the way.
    expect(hubs.map((h) => h.child.exitCode)).toEqual(hubs.map(() => null));
    // Whole test, initial syncs included: one run at a time per connector, across instances.
    const executed = hubs.map((h) => runsExecutedBy(h.records()));
    const perConnector = await Promise.all(
      connectors.map(async (c) => {
        const runs = await data.runs(c.connectorId);
        return {
          runs: runs.length,
          maxConcurrent: maxConcurrentRuns(runs),
          byInstance: executed.map((ids) => runs.filter((r) => ids.has(String(r._id))).length),
          statuses: countBy(runs.map((r) => r.status)),
        };
      }),
    );
    outcome['perConnector'] = perConnector;
    outcome['runsPerInstance'] = executed.map((ids) => ids.size);
    outcome['notificationsForwardedPerInstance'] = hubs.map((h) => balancer.forwarded.get(h.url));
    expect(perConnector.map((c) => c.maxConcurrent)).toEqual(connectors.map(() => 1));
    expect(perConnector.every((c) => c.statuses['RUNNING'] === undefined)).toBe(true);

    // Nobody twice in a company, by Entra id or by email, whoever created them.
    const users = data.connection.db!.collection('directory_users');
    for (const c of connectors) {
      const rows = await users
        .find({ companyId: c.companyId }, { projection: { entraId: 1, email: 1 } })
        .toArray();
      expect(new Set(rows.map((u) => String(u['entraId']))).size).toBe(rows.length);
      expect(new Set(rows.map((u) => String(u['email']).toLowerCase())).size).toBe(rows.length);
    }
    // Each instance ran some of the runs: the queue is shared, not owned by one instance.
    expect(executed.filter((ids) => ids.size > 0).length).toBeGreaterThanOrEqual(2);
  }, 300_000);
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
