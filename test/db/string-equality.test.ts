import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { testDatabaseUri } from '../helpers/database.js';

interface Doc {
  _id: number;
  k?: unknown;
  n?: string;
}

/**
 * The FerretDB launcher checks top-level string equality, `$in` of strings and `_id` equality or
 * `$in` in SQL, through the collection's indexes, before FerretDB's own filter
 * (tools/ferretdb/_patches/internal/backends/sqlite/collection.go). A pre-filter may let rows
 * through, never drop one MongoDB would match: this holds every command that filters to
 * MongoDB's semantics, on whichever server the run uses.
 */
describe('equality with a string matches as MongoDB does', () => {
  let client: MongoClient;
  let docs: Collection<Doc>;

  beforeAll(async () => {
    client = await MongoClient.connect(testDatabaseUri());
    docs = client.db().collection<Doc>('string_equality');
    await docs.insertMany([
      { _id: 1, k: 'a' },
      { _id: 2, k: ['b', 'a'] },
      { _id: 3, k: 'b' },
      { _id: 4 },
      { _id: 5, k: { a: 1 } },
      { _id: 6, k: 'a', n: 'z' },
      { _id: 7, k: `it's "quoted"` },
      { _id: 8, k: new ObjectId('65a000000000000000000001') },
      { _id: 9, k: 1 },
      { _id: 10, k: 'a<b>&c\u2028é', n: 'y' },
      { _id: 11, k: ['x', 'y'], n: 'y' },
    ]);
  });
  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  const ids = async (filter: Record<string, unknown>) =>
    (await docs.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

  it('finds strings and arrays holding the string, nothing else', async () => {
    expect(await ids({ k: 'a' })).toEqual([1, 2, 6]);
    expect(await ids({ k: 'b' })).toEqual([2, 3]);
    expect(await ids({ k: 'a', n: 'z' })).toEqual([6]);
    expect(await ids({ k: `it's "quoted"` })).toEqual([7]);
    expect(await ids({ k: '65a000000000000000000001' })).toEqual([]);
    expect(await ids({ k: new ObjectId('65a000000000000000000001') })).toEqual([8]);
    expect(await ids({ k: 'missing' })).toEqual([]);
    expect(await ids({ k: 'a<b>&c\u2028é' })).toEqual([10]);
  });

  it('finds $in of strings and arrays holding one of them', async () => {
    expect(await ids({ k: { $in: ['a', 'x'] } })).toEqual([1, 2, 6, 11]);
    expect(await ids({ k: { $in: ['b'] }, n: 'y' })).toEqual([]);
    expect(await ids({ k: { $in: ['a<b>&c\u2028é', 'zz'] }, n: 'y' })).toEqual([10]);
    expect(await ids({ k: { $in: ['a', 1] } })).toEqual([1, 2, 6, 9]);
    expect(await ids({ _id: { $in: [3, 7, 42] } })).toEqual([3, 7]);
    expect(await ids({ _id: 6, k: 'a' })).toEqual([6]);
    expect(await ids({ _id: 6, k: 'b' })).toEqual([]);
  });

  it('holds for count, distinct, findOneAndUpdate and delete', async () => {
    expect(await docs.countDocuments({ k: 'a' })).toBe(3);
    expect((await docs.distinct('_id', { k: 'b' })).sort()).toEqual([2, 3]);
    const updated = await docs.findOneAndUpdate(
      { k: 'a', n: 'z' },
      { $set: { n: 'y' } },
      { returnDocument: 'after' },
    );
    expect(updated?._id).toBe(6);
    expect((await docs.deleteMany({ k: 'b' })).deletedCount).toBe(2);
    expect(await ids({})).toEqual([1, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await docs.countDocuments({ k: { $in: ['y', 'a'] } })).toBe(3);
    expect((await docs.updateMany({ k: { $in: ['x'] } }, { $set: { n: 'w' } })).modifiedCount).toBe(
      1,
    );
    expect((await docs.deleteMany({ _id: { $in: [10, 11] } })).deletedCount).toBe(2);
  });
});

/**
 * Several string equalities are checked in SQL as one disjunction that a compound index answers
 * (all equal, or the fields before one equal and that one an array): every combination of
 * scalar, array and missing values across five fields, one more than the disjunction takes.
 */
interface FieldsDoc {
  _id: number;
  [field: string]: unknown;
}

describe('several equalities with strings match as MongoDB does', () => {
  const FIELDS = ['a', 'b', 'c', 'd', 'e'] as const;
  const VALUES: unknown[] = ['v', 'w', ['x', 'v'], ['w'], undefined];
  let client: MongoClient;
  let docs: Collection<FieldsDoc>;
  const all: FieldsDoc[] = [];

  beforeAll(async () => {
    client = await MongoClient.connect(testDatabaseUri());
    docs = client.db().collection<FieldsDoc>('string_equalities');
    await docs.createIndex({ a: 1, b: 1 });
    for (let n = 0; n < VALUES.length ** FIELDS.length; n += 1) {
      const doc: FieldsDoc = { _id: n };
      FIELDS.forEach((field, i) => {
        const value = VALUES[Math.floor(n / VALUES.length ** i) % VALUES.length];
        if (value !== undefined) doc[field] = value;
      });
      all.push(doc);
    }
    await docs.insertMany(all);
  });
  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  const holds = (value: unknown, wanted: string) =>
    value === wanted || (Array.isArray(value) && value.includes(wanted));

  it.each([[['a', 'b']], [['b', 'a']], [['a', 'c', 'e']], [['a', 'b', 'c', 'd', 'e']]])(
    'equal on %j',
    async (fields) => {
      const filter = Object.fromEntries(fields.map((field) => [field, 'v']));
      const found = (await docs.find(filter).toArray()).map((d) => d._id);
      const expected = all
        .filter((doc) => fields.every((field) => holds(doc[field], 'v')))
        .map((doc) => doc._id);
      expect(found.sort((x, y) => x - y)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    },
  );
});
