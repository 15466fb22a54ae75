import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type MongoBulkWriteError } from 'mongodb';
import { testDatabaseUri } from '../helpers/database.js';

/**
 * Locks (Agenda's and the hub's own) are conditional single-document updates. MongoDB makes each
 * atomic; FerretDB v1 does not on its own, which tools/ferretdb's serializer fixes. This proves
 * the guarantee on whichever server the run uses.
 */
describe('conditional updates are atomic', () => {
  const uri = testDatabaseUri();
  let clients: MongoClient[] = [];

  beforeAll(async () => {
    clients = await Promise.all(
      Array.from({ length: 6 }, () => MongoClient.connect(uri, { maxPoolSize: 4 })),
    );
  });
  afterAll(async () => {
    await clients[0]?.db().dropDatabase();
    await Promise.all(clients.map((c) => c.close()));
  });

  it('lets exactly one of many concurrent findOneAndUpdate calls take a lock', async () => {
    const rounds = 20;
    const winnersPerRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const locks = clients[0]!.db().collection('locks');
      const { insertedId } = await locks.insertOne({ round, lockedBy: null });
      const attempts = clients.flatMap((client, i) =>
        [0, 1, 2].map((j) =>
          client
            .db()
            .collection('locks')
            .findOneAndUpdate(
              { _id: insertedId, lockedBy: null },
              { $set: { lockedBy: `${i}-${j}` } },
              { returnDocument: 'after' },
            ),
        ),
      );
      winnersPerRound.push((await Promise.all(attempts)).filter(Boolean).length);
    }
    expect(winnersPerRound).toEqual(Array.from({ length: rounds }, () => 1));
  });

  it('applies concurrent $inc updates without losing any', async () => {
    const counters = clients[0]!.db().collection('counters');
    const { insertedId } = await counters.insertOne({ n: 0 });
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: 10 }, () =>
          client
            .db()
            .collection('counters')
            .updateOne({ _id: insertedId }, { $inc: { n: 1 } }),
        ),
      ),
    );
    expect((await counters.findOne({ _id: insertedId }))?.['n']).toBe(60);
  });

  it('applies a batch of many updates in one command (each statement by _id)', async () => {
    // FerretDB v1 held every statement's read until the command ended; past its connection
    // pool this hung (tools/ferretdb/_patches/internal/handler/msg_update.go).
    const rows = clients[0]!.db().collection('batched');
    const { insertedIds } = await rows.insertMany(
      Array.from({ length: 400 }, (_, n) => ({ n, seen: false })),
    );
    const ids = Object.values(insertedIds);
    for (const ordered of [false, true]) {
      const result = await rows.bulkWrite(
        ids.map((_id) => ({ updateOne: { filter: { _id }, update: { $set: { seen: ordered } } } })),
        { ordered },
      );
      expect(result.matchedCount).toBe(ids.length);
      expect(await rows.countDocuments({ seen: ordered })).toBe(ids.length);
    }
  });

  it('applies updates of one document twice in one batch in order, losing neither', async () => {
    // Statements on distinct ids may be written together; two on one id must see each other.
    const counters = clients[0]!.db().collection('twice');
    await counters.insertMany(['x', 'y'].map((key) => ({ _id: key as never, n: 0 })));
    const result = await counters.bulkWrite([
      { updateOne: { filter: { _id: 'x' as never }, update: { $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: 'y' as never }, update: { $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: 'x' as never }, update: { $inc: { n: 10 } } } },
    ]);
    expect(result.modifiedCount).toBe(3);
    expect(await counters.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'x', n: 11 },
      { _id: 'y', n: 1 },
    ]);
  });

  it('updates every document an updateMany matches, past one write batch', async () => {
    const many = clients[0]!.db().collection('many');
    await many.insertMany(Array.from({ length: 2_500 }, (_, i) => ({ i, flag: false })));
    const result = await many.updateMany({ flag: false }, { $set: { flag: true } });
    expect(result).toMatchObject({ matchedCount: 2_500, modifiedCount: 2_500 });
    expect(await many.countDocuments({ flag: true })).toBe(2_500);
  });

  it("reports an update that breaks a unique index as that statement's duplicate key error", async () => {
    // As MongoDB does: unordered, the others are applied; ordered, the batch stops there.
    // FerretDB v1 failed the whole command (tools/ferretdb/_patches/internal/handler/msg_update.go).
    const rows = clients[0]!.db().collection('unique');
    await rows.createIndex({ key: 1 }, { unique: true });
    await rows.insertMany(['a', 'b', 'c', 'd'].map((key) => ({ _id: key as never, key, n: 0 })));
    const batch = [
      { updateOne: { filter: { _id: 'a' as never }, update: { $set: { n: 1 } } } },
      { updateOne: { filter: { _id: 'b' as never }, update: { $set: { key: 'a' } } } },
      { updateOne: { filter: { _id: 'c' as never }, update: { $set: { n: 1 } } } },
    ];
    const unordered = await rows.bulkWrite(batch, { ordered: false }).catch((e: unknown) => e);
    expect((unordered as MongoBulkWriteError).writeErrors).toMatchObject([
      { index: 1, code: 11000 },
    ]);
    expect(
      await rows
        .find({ n: 1 })
        .map((r) => r['_id'])
        .toArray(),
    ).toEqual(['a', 'c']);

    const ordered = await rows
      .bulkWrite(
        [batch[1]!, { updateOne: { filter: { _id: 'd' as never }, update: { $set: { n: 1 } } } }],
        { ordered: true },
      )
      .catch((e: unknown) => e);
    expect((ordered as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 0, code: 11000 }]);
    expect(await rows.countDocuments({ _id: 'd' as never, n: 1 })).toBe(0);
    expect(await rows.countDocuments({ key: 'a' })).toBe(1);
  });
});
