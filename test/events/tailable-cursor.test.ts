/**
 * What the live events bus (src/events/mongo-event-bus.ts) needs from the database: a tailable
 * `awaitData` cursor on a capped collection returns every document committed after it, without
 * needing a later insert to push it out. Holds on MongoDB, and on the offline FerretDB through
 * the launcher's patches (tools/ferretdb/_patches): upstream FerretDB v1 dropped a document
 * committed in the last ~10 ms of a getMore's wait, and could commit two concurrent inserts in
 * the opposite order of their record ids, so that a cursor past the higher one never returned
 * the lower. Both cases fail against the unpatched launcher.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Collection } from 'mongodb';
import { testDatabaseUri } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

interface Doc {
  _id: number;
  pad?: string;
}

describe('a tailable awaitData cursor on a capped collection', () => {
  const uri = testDatabaseUri();
  const clients: MongoClient[] = [];
  const connect = async () => {
    const client = await MongoClient.connect(uri);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await connect();
  });
  afterAll(async () => {
    await clients[0]?.db().dropDatabase();
    await Promise.all(clients.map((c) => c.close()));
  });

  /** A capped collection holding `{_id: 0}`, tailed from it by a client of its own. */
  async function tail(name: string, maxAwaitTimeMS: number) {
    const db = clients[0]!.db();
    await db.createCollection(name, { capped: true, size: 8 * 1024 * 1024 });
    await db.collection<Doc>(name).insertOne({ _id: 0 });
    const reader = await connect();
    const cursor = reader
      .db()
      .collection<Doc>(name)
      .find(
        { _id: { $gte: 0 } },
        { tailable: true, awaitData: true, batchSize: 0, maxAwaitTimeMS },
      );
    const seen: number[] = [];
    const reading = (async () => {
      for await (const doc of cursor) seen.push(doc._id);
    })().catch(() => undefined);
    return {
      seen,
      close: async () => {
        await cursor.close();
        await reading;
      },
    };
  }

  it('returns every document inserted at random moments of its waits, in order', async () => {
    // Short waits, so that many inserts land near the end of one: the documents the unpatched
    // launcher dropped (20-37 of 100 when measured).
    const tailing = await tail('sparse', 30);
    const events = clients[0]!.db().collection<Doc>('sparse');
    const count = 100;
    for (let id = 1; id <= count; id++) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 80));
      await events.insertOne({ _id: id });
    }
    await waitFor(() => tailing.seen.length > count, 10_000, `all ${count} documents`).catch(
      () => undefined,
    );
    await tailing.close();
    expect(tailing.seen).toEqual(Array.from({ length: count + 1 }, (_, id) => id));
  });

  it('returns every document of 32 writers inserting at once', async () => {
    // Unpatched, 6-12 of 2,000 were never returned (record ids taken before the write lock).
    const tailing = await tail('concurrent', 1_000);
    const writers = await Promise.all(Array.from({ length: 32 }, () => connect()));
    const perWriter = 60;
    await Promise.all(
      writers.map(async (client, w) => {
        const events: Collection<Doc> = client.db().collection<Doc>('concurrent');
        for (let i = 0; i < perWriter; i++) {
          await events.insertOne({ _id: 1 + w + i * writers.length, pad: 'x'.repeat(200) });
        }
      }),
    );
    const count = writers.length * perWriter;
    await waitFor(() => tailing.seen.length > count, 10_000, `all ${count} documents`).catch(
      () => undefined,
    );
    await tailing.close();
    expect([...tailing.seen].sort((a, b) => a - b)).toEqual(
      Array.from({ length: count + 1 }, (_, id) => id),
    );
  });
});
