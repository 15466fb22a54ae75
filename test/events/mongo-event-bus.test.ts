import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { loadProvisionConfig } from '../../src/config.js';
import { withDatabase, type MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';
import { MongoEventBus } from '../../src/events/mongo-event-bus.js';
import { captureLogger } from '../helpers/logger.js';
import { testDatabaseUri, uniqueDatabaseName } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

type Topics = { STATUS: { connectorId: string; n: number; at: number } };

/** Collects what a subscription yields, in the background. */
function collect<T>(iterator: AsyncIterableIterator<T>): {
  items: T[];
  receivedAt: number[];
  done: Promise<void>;
} {
  const items: T[] = [];
  const receivedAt: number[] = [];
  const done = (async () => {
    for await (const item of iterator) {
      items.push(item);
      receivedAt.push(Date.now());
    }
  })();
  return { items, receivedAt, done };
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('MongoEventBus across two hub instances', () => {
  const clients: MongoClient[] = [];
  const uri = testDatabaseUri();

  const startBus = async (logger = captureLogger().logger) => {
    const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
    clients.push(client);
    return MongoEventBus.start<Topics>({
      db: client.db(),
      cappedBytes: 1_048_576,
      logger,
      maxAwaitTimeMs: 500,
    });
  };

  afterAll(async () => {
    await clients[0]?.db().dropDatabase();
    await Promise.all(clients.map((c) => c.close()));
  });

  it('delivers events published on A to a subscriber on B, in order, without replaying old ones', async () => {
    const a = await startBus();
    await a.publish('STATUS', { connectorId: 'old', n: -1, at: Date.now() });
    const b = await startBus();
    const seen = collect(b.subscribe('STATUS'));
    const onlyC1 = collect(b.subscribe('STATUS', (p) => p.connectorId === 'c1'));

    const count = 40;
    for (let n = 0; n < count; n++) {
      await a.publish('STATUS', { connectorId: n % 2 ? 'c1' : 'c2', n, at: Date.now() });
    }
    await waitFor(() => seen.items.length >= count, 10_000, 'all events on B');
    const latencies = seen.items.map((item, i) => seen.receivedAt[i]! - item.at);
    await a.close();
    await b.close();
    await Promise.all([seen.done, onlyC1.done]);

    expect(seen.items.map((i) => i.n)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(onlyC1.items.every((i) => i.connectorId === 'c1')).toBe(true);
    expect(onlyC1.items).toHaveLength(count / 2);
    // Reported, never asserted: timing depends on the machine.
    process.stdout.write(`[bench] event bus A->B latency: median ${median(latencies)} ms\n`);
  });

  it('keeps each instance publication order under concurrent publishes from both', async () => {
    const a = await startBus();
    const b = await startBus();
    const seen = collect(a.subscribe('STATUS'));
    await Promise.all([
      ...Array.from({ length: 30 }, (_, n) => a.publish('STATUS', { connectorId: 'a', n, at: 0 })),
      ...Array.from({ length: 30 }, (_, n) => b.publish('STATUS', { connectorId: 'b', n, at: 0 })),
    ]);
    await waitFor(() => seen.items.length >= 60, 10_000, 'all 60 events');
    await a.close();
    await b.close();
    await seen.done;
    for (const origin of ['a', 'b']) {
      const ns = seen.items.filter((i) => i.connectorId === origin).map((i) => i.n);
      expect(ns).toEqual(Array.from({ length: 30 }, (_, n) => n));
    }
  });

  it('delivers in id order, losing nothing, when ids become visible out of order', async () => {
    // Both instances publish in waves, so ids taken by one are often inserted after the
    // other's higher ones: every subscriber must still see every event, in one total order.
    const a = await startBus();
    const b = await startBus();
    const onA = collect(a.subscribe('STATUS'));
    const onB = collect(b.subscribe('STATUS'));
    for (let wave = 0; wave < 5; wave++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).publish('STATUS', {
            connectorId: i % 2 ? 'a' : 'b',
            n: wave * 40 + i,
            at: 0,
          }),
        ),
      );
    }
    await waitFor(() => onA.items.length >= 200 && onB.items.length >= 200, 15_000, '200 on each');
    await a.close();
    await b.close();
    await Promise.all([onA.done, onB.done]);
    expect(onA.items.map((e) => e.n)).toEqual(onB.items.map((e) => e.n));
    expect(new Set(onA.items.map((e) => e.n)).size).toBe(200);
    for (const origin of ['a', 'b']) {
      const ns = onA.items.filter((i) => i.connectorId === origin).map((i) => i.n);
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
  });

  it('skips an id that was taken but never published, after the gap timeout', async () => {
    const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
    clients.push(client);
    const bus = await MongoEventBus.start<Topics>({
      db: client.db(),
      cappedBytes: 1_048_576,
      logger: captureLogger().logger,
      maxAwaitTimeMs: 300,
      gapTimeoutMs: 300,
    });
    const seen = collect(bus.subscribe('STATUS'));
    // A publisher that took an id and died before inserting.
    await client
      .db()
      .collection<{ _id: string; seq: number }>('live_events_seq')
      .updateOne({ _id: 'live_events' }, { $inc: { seq: 1 } }, { upsert: true });
    await bus.publish('STATUS', { connectorId: 'c', n: 1, at: Date.now() });
    await waitFor(() => seen.items.length === 1, 5_000, 'the event after the gap');
    expect(bus.skippedIds).toBe(1);
    await bus.close();
    await seen.done;
  });

  it('never hands an event read late to a subscriber that connected after it was published', async () => {
    const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
    clients.push(client);
    const bus = await MongoEventBus.start<Topics>({
      db: client.db(),
      cappedBytes: 1_048_576,
      logger: captureLogger().logger,
      maxAwaitTimeMs: 300,
    });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const before = collect(bus.subscribe('STATUS'));
    await tick();
    // An event published now (its id taken), which this instance's tail reads only after a
    // second subscriber connected: as a tail that lost it would, when the next event came.
    const publishedAt = new Date();
    const { seq } = (await client
      .db()
      .collection<{ _id: string; seq: number }>('live_events_seq')
      .findOneAndUpdate(
        { _id: 'live_events' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      ))!;
    await tick();
    const after = collect(bus.subscribe('STATUS'));
    await client
      .db()
      .collection<{
        _id: number;
        topic: string;
        payload: Topics['STATUS'];
        publishedAt: Date;
        origin: string;
      }>('live_events')
      .insertOne({
        _id: seq,
        topic: 'STATUS',
        payload: { connectorId: 'c', n: 1, at: 0 },
        publishedAt,
        origin: 'elsewhere',
      });
    await bus.publish('STATUS', { connectorId: 'c', n: 2, at: 0 });
    await waitFor(() => before.items.length === 2, 5_000, 'both events on the first subscriber');
    await waitFor(() => after.items.length >= 1, 5_000, 'the later event on the second');
    await bus.close();
    await Promise.all([before.done, after.done]);
    expect(before.items.map((i) => i.n)).toEqual([1, 2]);
    expect(after.items.map((i) => i.n)).toEqual([2]);
  });

  it('ends subscriptions on close, and leaving a loop unsubscribes', async () => {
    const bus = await startBus();
    const iterator = bus.subscribe('STATUS');
    const first = iterator.next();
    await bus.publish('STATUS', { connectorId: 'x', n: 1, at: 0 });
    expect((await first).value).toMatchObject({ n: 1 });
    await iterator.return!();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await bus.close();
    await expect(bus.publish('STATUS', { connectorId: 'x', n: 2, at: 0 })).rejects.toThrow(
      /closed/,
    );
  });
});

describe('MongoEventBus when the database pauses and comes back', () => {
  let handle: MongoServerHandle;
  beforeAll(async () => {
    // Our own server, so pausing it does not disturb the other test files.
    const provider =
      process.env['HUB_TEST_MONGO_PROVIDER'] === 'memory-server' ? 'memory-server' : 'ferretdb';
    handle = await provisionMongo({ ...loadProvisionConfig({}), provider });
  });
  afterAll(async () => handle?.stop());

  it('resumes tailing after the outage and delivers what is published afterwards', async () => {
    const uri = withDatabase(handle.uri, uniqueDatabaseName('bus'));
    const options = { serverSelectionTimeoutMS: 1_000, heartbeatFrequencyMS: 500 };
    const clientA = await MongoClient.connect(uri, options);
    const clientB = await MongoClient.connect(uri, options);
    const logs = captureLogger();
    const busOptions = { cappedBytes: 262_144, maxAwaitTimeMs: 300, retryMaxMs: 500 };
    const a = await MongoEventBus.start<Topics>({
      ...busOptions,
      db: clientA.db(),
      logger: captureLogger().logger,
    });
    const b = await MongoEventBus.start<Topics>({
      ...busOptions,
      db: clientB.db(),
      logger: logs.logger,
    });
    const seen = collect(b.subscribe('STATUS'));
    try {
      await a.publish('STATUS', { connectorId: 'c', n: 1, at: Date.now() });
      await waitFor(() => seen.items.length === 1, 10_000, 'the event before the outage');

      await handle.pause!();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await handle.start!();

      // Publishing may fail until the driver has reconnected; keep trying like a caller would.
      await waitFor(
        () =>
          a.publish('STATUS', { connectorId: 'c', n: 2, at: Date.now() }).then(
            () => true,
            () => false,
          ),
        20_000,
        'a publish after the restart',
        200,
      );
      await a.publish('STATUS', { connectorId: 'c', n: 3, at: Date.now() });
      await waitFor(() => seen.items.length >= 3, 20_000, 'events after the outage');
      expect(seen.items.map((i) => i.n)).toEqual([1, 2, 3]);
      expect(b.reconnects).toBeGreaterThan(0);
      expect(logs.text()).toMatch(/live events cursor failed/);
    } finally {
      await a.close();
      await b.close();
      await seen.done;
      await clientA.close();
      await clientB.close();
    }
  });
});
