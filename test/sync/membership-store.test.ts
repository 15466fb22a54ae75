import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { edgeRange } from '../../src/db/models/directory-group-member.model.js';
import { syncModels, type SyncModels } from '../../src/db/models/sync-models.js';
import { MembershipStore } from '../../src/sync/state/membership-store.js';
import { openTestConnection } from '../helpers/database.js';

const guid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The memberships of a company: a group's edges read back as one `_id` range (no other group's,
 * no other company's), a user's through its index, and inserts held across groups written a
 * thousand at a time and all of them by `flush`.
 */
describe('MembershipStore', () => {
  let db: Awaited<ReturnType<typeof openTestConnection>>;
  let models: SyncModels;

  beforeAll(async () => {
    db = await openTestConnection();
    models = syncModels(db.connection);
    await models.DirectoryGroupMember.init();
  });
  afterAll(() => db.close());

  const company = () => new Types.ObjectId().toHexString();
  const stored = (companyId: string) =>
    models.DirectoryGroupMember.countDocuments({ _id: edgeRange(companyId) });

  it("reads a group's edges by range and a user's by index, nothing of other groups or companies", async () => {
    const companyId = company();
    const other = new MembershipStore(models.DirectoryGroupMember, company(), false);
    const store = new MembershipStore(models.DirectoryGroupMember, companyId, false);
    // Group ids that share a prefix: `g1` must not read the edges of `g10`.
    await store.insert('g1', [
      { userId: guid(1), inScope: true },
      { userId: guid(2), inScope: false },
    ]);
    await store.insert('g10', [{ userId: guid(1), inScope: true }]);
    await other.insert('g1', [{ userId: guid(3), inScope: true }]);

    const g1 = [];
    for await (const edge of store.groupEdges('g1')) g1.push(edge);
    expect(g1).toEqual([
      { groupId: 'g1', userId: guid(1), inScope: true },
      { groupId: 'g1', userId: guid(2), inScope: false },
    ]);
    expect(await store.hasEdges('g1')).toBe(true);
    expect(await store.hasEdges('g2')).toBe(false);
    const ofUser = await store.edgesOfUsers([guid(1)]);
    expect(ofUser.map((e) => e.groupId).sort()).toEqual(['g1', 'g10']);
  });

  it('writes held inserts a thousand at a time across groups, and the rest on flush', async () => {
    const companyId = company();
    const store = new MembershipStore(models.DirectoryGroupMember, companyId, false);
    for (let g = 0; g < 14; g++) {
      const members = Array.from({ length: 180 }, (_, i) => ({
        userId: guid(g * 1000 + i),
        inScope: i % 2 === 0,
      }));
      await store.insertLater(`group-${g}`, members);
    }
    // 14 x 180 = 2,520 held: two whole thousands written on the way, 520 still held.
    expect(await stored(companyId)).toBe(2_000);
    await store.flush();
    expect(await stored(companyId)).toBe(2_520);
    const last = await store.edges('group-13', [guid(13_000), guid(13_001)]);
    expect([...last]).toEqual([
      [guid(13_000), true],
      [guid(13_001), false],
    ]);
  });

  it('holds nothing back in a preview, and writes nothing', async () => {
    const companyId = company();
    const preview = new MembershipStore(models.DirectoryGroupMember, companyId, true);
    await preview.insertLater('g', [{ userId: guid(1), inScope: true }]);
    await preview.flush();
    expect(await stored(companyId)).toBe(0);
  });
});
