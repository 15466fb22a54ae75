import { describe, expect, it } from '@jest/globals';
import { Binary } from 'mongodb';
import { Types } from 'mongoose';
import { pack, unpack } from '../../src/db/models/packed.js';
import { openTestConnection } from '../helpers/database.js';

/** Records packed into one binary come back with their types, through the real database. */
describe('packed records', () => {
  it('round-trips dates, nulls, nested objects and ids through the database', async () => {
    const db = await openTestConnection();
    try {
      const records = [
        { seq: 1, at: new Date('2026-12-06T01:02:03.004Z'), after: { status: 'ACTIVE' } },
        { seq: 2, at: null, note: 'Zoë "q" \\ 日本', id: new Types.ObjectId() },
      ];
      const collection = db.connection.db!.collection('packed_test');
      await collection.insertOne({ _id: 'p1' as never, items: pack(records) });
      const back = await collection.findOne({ _id: 'p1' as never });
      expect(back!['items']).toBeInstanceOf(Binary);
      expect(unpack(back!['items'] as Binary)).toEqual(records);
    } finally {
      await db.close();
    }
  });

  it('reads the older array form and nothing as they are', () => {
    expect(unpack([{ seq: 1 }])).toEqual([{ seq: 1 }]);
    expect(unpack(undefined)).toEqual([]);
    expect(unpack(pack([]))).toEqual([]);
  });
});
