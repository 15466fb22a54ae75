import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { testDatabaseUri } from '../helpers/database.js';

/**
 * The FerretDB launcher answers `{_id: {$gte: p, $lt: q}}` (q: p with its last character
 * incremented) from the `_id` index (prefixRange in
 * tools/ferretdb/_patches/internal/backends/sqlite/collection.go). The range must keep every
 * string MongoDB matches, whatever characters follow the prefix, and the other ranges and
 * types must match as MongoDB's.
 */
describe('an _id prefix range matches as MongoDB does', () => {
  let client: MongoClient;
  let docs: Collection<{ _id: unknown }>;
  const stored: unknown[] = [
    'c:g:',
    'c:g:a',
    'c:g:b-1',
    'c:g: space',
    'c:g:!bang',
    'c:g:"quoted"',
    'c:g:<tag>&',
    'c:g:\\back',
    'c:g:\u2028é',
    'c:g:~',
    'c:g',
    'c:g;',
    'c:h:a',
    'c:f:z',
    'b:g:a',
    'c:g:\u007f',
    'c:gg:a',
    new ObjectId('65a000000000000000000001'),
    7,
  ];

  beforeAll(async () => {
    client = await MongoClient.connect(testDatabaseUri());
    docs = client.db().collection('id_prefix_range');
    await docs.insertMany(stored.map((_id) => ({ _id })));
  });
  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  const ids = async (filter: Record<string, unknown>) =>
    (await docs.find(filter).toArray()).map((d) => d._id).sort();

  const prefixed = (p: string) =>
    stored.filter((id): id is string => typeof id === 'string' && id.startsWith(p)).sort();

  it('finds exactly the strings that start with the prefix', async () => {
    for (const p of ['c:g:', 'c:g', 'c:', 'c:h:', 'c:g:~', 'z']) {
      const q = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
      expect(await ids({ _id: { $gte: p, $lt: q } })).toEqual(prefixed(p));
    }
  });

  it('matches other ranges as MongoDB does (not a prefix, or characters JSON escapes)', async () => {
    expect(await ids({ _id: { $gte: 'c:g:a', $lt: 'c:g:c' } })).toEqual(['c:g:a', 'c:g:b-1']);
    expect(await ids({ _id: { $gte: 'c:g: ', $lt: 'c:g:!' } })).toEqual(['c:g: space']);
    expect(await ids({ _id: { $gte: 'c:g:<', $lt: 'c:g:=' } })).toEqual(['c:g:<tag>&']);
    expect(await ids({ _id: { $gt: 'c:g:', $lt: 'c:g;' } })).toEqual(
      prefixed('c:g:').filter((id) => id !== 'c:g:'),
    );
    expect(await ids({ _id: { $gte: 'c:g:', $lte: 'c:g;' } })).toEqual([
      ...prefixed('c:g:'),
      'c:g;',
    ]);
  });
});
