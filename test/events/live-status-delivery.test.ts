/**
 * Issue 16: live status events on time, across hub instances. Two runtimes in this process share
 * one database (the Mongo event bus); one connector's `enabled` flag is toggled through instance
 * A's GraphQL API at random intervals: bursts, short gaps, and pauses that cross the bus's getMore
 * wait (shortened to 100 ms here, so that idle waits end as often in a few seconds as they do in
 * minutes of a real hub's life). Graphql-ws subscribers listen on A and on B from the start;
 * others join on either instance right after a change was made, before anyone could have read it.
 *
 * Judged on recorded events only: what A published (its local publish hook, in order) against
 * what each subscriber received. Every subscriber gets exactly the events published after it
 * connected, once each, in order. A change made after a pause reaches every subscriber before
 * the next change is made (the symptom was an event delivered only when the next was published).
 * The closing change is a barrier: a duplicate would have been delivered before it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { LiveTopic } from '../../src/events/live-events.js';
import { MongoEventBus } from '../../src/events/mongo-event-bus.js';
import type { HubRuntime } from '../../src/runtime/start-hub-runtime.js';
import { openTestConnection } from '../helpers/database.js';
import { seedTestTenant, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql, subscribeOverWs, type Recording } from '../helpers/graphql.js';
import { partnerJwt } from '../helpers/jwt.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const CHANGES = 60;
/** The changes right after which a subscriber joins, alternately on B and A. */
const JOIN_AFTER = new Set([5, 18, 31, 44]);
const BUS_MAX_AWAIT_MS = 100;
const SEED = Number(process.env['LIVE_TEST_SEED'] ?? Date.now() % 2 ** 31);

const STATUS = `subscription($connectorId: ID) {
  connectorStatusChanged(connectorId: $connectorId) { connectorId status changedAt }
}`;

interface StatusEvent {
  connectorId: string;
  status: string | null;
  changedAt: string;
}

interface Subscriber {
  name: string;
  recording: Recording<StatusEvent>;
  /** How many events A had published when this subscriber connected. */
  connectedAfter: number;
}

/** mulberry32: the intervals are random, and a failure can be replayed with LIVE_TEST_SEED. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const key = (event: { changedAt: string | Date; status: string | null }) =>
  `${new Date(event.changedAt).toISOString()} ${event.status}`;

function statusSubscriptions(runtime: HubRuntime): number {
  if (!(runtime.bus instanceof MongoEventBus)) throw new Error('expected PUBSUB_MODE=mongo');
  return runtime.bus.subscriberCount(LiveTopic.CONNECTOR_STATUS_CHANGED);
}

describe('live status events across two instances', () => {
  let emulator: RunningEmulator;
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let a: TestRuntime;
  let b: TestRuntime;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ connection, close: closeDb } = await openTestConnection());
    const encryptionKeys = `k1:${randomBytes(32).toString('base64')}`;
    const options = { connection, emulator, webhooks: false, encryptionKeys };
    const tuning = { busMaxAwaitMs: BUS_MAX_AWAIT_MS };
    a = await startTestRuntime({ ...options, tuning });
    b = await startTestRuntime({ ...options, tuning });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await closeDb?.();
    await emulator?.stop();
  });

  it(`delivers every change once, in order, only to those connected before it (seed ${SEED})`, async () => {
    const jwt = await partnerJwt('partner-live-order');
    const tenant = await seedTestTenant(emulator, { users: 3, groups: 1, syncGroupMembers: 2 });
    const { connectorId } = await activateConnector(a.url, jwt, tenant);
    const published: string[] = [];
    a.runtime.live.onLocalPublish((topic, payload) => {
      if (topic !== LiveTopic.CONNECTOR_STATUS_CHANGED) return;
      const event = payload as unknown as StatusEvent;
      if (event.connectorId === connectorId) published.push(key(event));
    });
    const subscribers: Subscriber[] = [];
    const join = async (name: string, hub: TestRuntime) => {
      const before = statusSubscriptions(hub.runtime);
      const connectedAfter = published.length;
      const recording = await subscribeOverWs<StatusEvent>(hub.url, jwt, {
        query: STATUS,
        variables: { connectorId },
        field: 'connectorStatusChanged',
      });
      subscribers.push({ name, recording, connectedAfter });
      await waitFor(() => statusSubscriptions(hub.runtime) > before, 5_000, `${name} in place`);
    };
    const toggle = (enabled: boolean) =>
      gql(
        a.url,
        jwt,
        'mutation($id: ID!, $on: Boolean!) { setConnectorEnabled(connectorId: $id, enabled: $on) { id } }',
        { id: connectorId, on: enabled },
      );
    const received = (s: Subscriber) => s.recording.events.map(key);
    const everythingArrived = (what: string) =>
      waitFor(
        () => subscribers.every((s) => received(s).length >= published.length - s.connectedAfter),
        10_000,
        what,
      );

    try {
      await join('A from the start', a);
      await join('B from the start', b);
      const next = random(SEED);
      for (let change = 1; change <= CHANGES; change++) {
        const roll = next();
        const pause = roll >= 0.6;
        const gapMs = roll < 0.3 ? 0 : pause ? 60 + next() * 200 : next() * 40;
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        await toggle(change % 2 === 0);
        if (JOIN_AFTER.has(change)) {
          await join(`joined after change ${change}`, subscribers.length % 2 ? a : b);
        }
        if (pause) await everythingArrived(`change ${change}, made after a pause, everywhere`);
      }
      await everythingArrived('every event');
      // The closing change: delivered in order, so anything duplicated would be in before it.
      await toggle(CHANGES % 2 === 1);
      const closing = published.at(-1)!;
      await waitFor(
        () => subscribers.every((s) => received(s).at(-1) === closing),
        10_000,
        'the closing change on every subscriber',
      );

      expect(published).toHaveLength(CHANGES + 1);
      expect(new Set(published).size).toBe(CHANGES + 1);
      expect(published.map((p) => p.split(' ')[1])).toEqual(
        Array.from({ length: CHANGES + 1 }, (_, i) =>
          i % 2 === 0 ? 'DISABLED' : 'WAITING_FOR_CONNECTION',
        ),
      );
      for (const subscriber of subscribers) {
        expect({ name: subscriber.name, events: received(subscriber) }).toEqual({
          name: subscriber.name,
          events: published.slice(subscriber.connectedAfter),
        });
        expect(subscriber.recording.errors).toEqual([]);
      }
      expect(subscribers.filter((s) => s.connectedAfter > 0)).toHaveLength(JOIN_AFTER.size);
    } finally {
      await Promise.all(subscribers.map((s) => s.recording.dispose()));
    }
  });
});
