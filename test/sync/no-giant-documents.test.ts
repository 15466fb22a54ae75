import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BSON } from 'mongodb';
import { SyncTrigger } from '../../src/domain/connector.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

const MEMBERS = 100_000;
const LIMIT_BYTES = 64 * 1024;

/**
 * No document grows with the tenant: after a 100,000-member full sync (every user in the sync
 * group, two selected groups of about half of them each) the largest document in the hub's
 * database, of any collection, stays under 64 KB. Before memberships had a collection of their
 * own, one sync state held every selected group's member ids.
 */
describe('a 100,000-member sync', () => {
  let h: SyncHarness;
  let run: Awaited<ReturnType<SyncHarness['sync']>>;

  beforeAll(async () => {
    h = await startSyncHarness({
      seed: {
        users: MEMBERS,
        groups: 2,
        syncGroupMembers: MEMBERS,
        membershipsPerUser: 1,
        guestShare: 0,
        disabledShare: 0,
      },
    });
    run = await h.sync(SyncTrigger.INITIAL, undefined, 540_000);
  }, 600_000);
  afterAll(() => h?.stop());

  it('syncs everyone, and the largest document of every collection is under 64 KB', async () => {
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.counts.usersCreated).toBe(MEMBERS);
    expect(run.counts.membershipsAdded).toBeGreaterThan(MEMBERS / 2);

    const db = h.t.connection.db!;
    const largest: Record<string, number> = {};
    for (const { name } of await db.listCollections().toArray()) {
      let max = 0;
      for await (const doc of db.collection(name).find({}, { batchSize: 5_000 })) {
        max = Math.max(max, BSON.calculateObjectSize(doc));
      }
      largest[name] = max;
    }
    expect(largest['directory_users']).toBeGreaterThan(0);
    expect(largest['directory_group_members']).toBeGreaterThan(0);
    expect(largest['sync_states']).toBeGreaterThan(0);
    for (const [name, bytes] of Object.entries(largest)) {
      expect([name, bytes < LIMIT_BYTES]).toEqual([name, true]);
    }
    // Reading back every document of every collection (some 200,000) is most of the time.
  }, 300_000);
});
