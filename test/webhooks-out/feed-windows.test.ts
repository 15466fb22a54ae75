/**
 * The deliveries' view of the feed: endpoints at any positions get exactly the entries after
 * their own, in order, while the database is read once per block of positions (shared by
 * endpoints reading at the same moment, and extended, not re-read, as the head moves).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { BLOCK, FeedWindows } from '../../src/outbound/feed-windows.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { writeUserChanges } from './feed-writes.js';

let h: TestHub;
const companyId = new Types.ObjectId().toHexString();

beforeAll(async () => {
  h = await startTestHub();
  await writeUserChanges(h.infra.feed, companyId, 2 * BLOCK + 150, 40);
});
afterAll(() => h.stop());

/** Windows over the real feed, counting the positions read from the database. */
function countingWindows() {
  const { reader, store } = h.infra.feed;
  const read: number[] = [];
  /** When set, the head the next window sees (as read before later commits). */
  const stale: { committed: number | null } = { committed: null };
  const feed = {
    ...h.infra.feed,
    store: {
      head: async (id: string) => {
        const head = await store.head(id);
        return stale.committed === null ? head : { ...head, committed: stale.committed };
      },
      range: async (...args: Parameters<typeof store.range>) => {
        const entries = await store.range(...args);
        read.push(...entries.map((e) => e.seq));
        return entries;
      },
    },
    reader,
  } as typeof h.infra.feed;
  return { windows: new FeedWindows(feed), read, stale };
}

it('gives ten endpoints at scattered positions their own windows from one read of each entry', async () => {
  const { windows, read } = countingWindows();
  const starts = [0, 7, 120, 499, 500, 501, 733, 999, 1000, 1111];
  const got = await Promise.all(starts.map((after) => windows.window(companyId, after, 300)));
  got.forEach((window, i) => {
    const seqs = window.messages.map((m) => m.seq);
    const first = starts[i]! + 1;
    const expected = Array.from({ length: Math.min(300, 1150 - starts[i]!) }, (_, k) => first + k);
    expect(seqs).toEqual(expected);
    expect(window.lastSeq).toBe(expected.at(-1));
    expect(window.committed).toBe(1150);
  });
  // The three blocks were read once each, though the windows overlap and start mid-block.
  expect([...read].sort((a, b) => a - b)).toEqual(Array.from({ length: 1150 }, (_, k) => k + 1));
});

it('extends the head block by what was committed since, and reads nothing it has', async () => {
  const { windows, read } = countingWindows();
  const before = await windows.window(companyId, 1100, 500);
  expect(before.lastSeq).toBe(1150);
  await writeUserChanges(h.infra.feed, companyId, 30, 40);
  const after = await windows.window(companyId, 1100, 500);
  expect(after.messages.map((m) => m.seq)).toEqual(Array.from({ length: 80 }, (_, k) => 1101 + k));
  expect(after.lastSeq).toBe(1180);
  // 1001..1150 once (the head block's first read), then only 1151..1180.
  expect(read).toEqual(Array.from({ length: 180 }, (_, k) => 1001 + k));
});

it('never answers past the head it read, though the cached block reaches further', async () => {
  const { windows, stale } = countingWindows();
  expect((await windows.window(companyId, 1100, 500)).lastSeq).toBe(1180);
  // An endpoint whose head was read before the last commits.
  stale.committed = 1160;
  const window = await windows.window(companyId, 1100, 500);
  expect(window.messages.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, k) => 1101 + k));
  expect(window.lastSeq).toBe(1160);
});
