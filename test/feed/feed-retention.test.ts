/**
 * FEED_RETENTION_DAYS: each writer, before it writes (under the run lock), drops the entries
 * older than the retention; readers skip them at once, newer entries stay in order, numbering
 * goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { InMemoryLiveEvents } from '../../src/events/live-events.js';
import { ChangeFeed } from '../../src/feed/change-feed.js';
import { captureLogger } from '../helpers/logger.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { readFeed } from './feed-model.js';

const DAY = 86_400_000;
let h: TestHub;

beforeAll(async () => {
  h = await startTestHub();
});
afterAll(() => h.stop());

describe('the change feed keeps FEED_RETENTION_DAYS of entries', () => {
  it('drops what is older at the next write, keeps the rest in order', async () => {
    const companyId = new Types.ObjectId().toHexString();
    let now = new Date('2026-01-01T00:00:00Z');
    const feed = new ChangeFeed({
      models: h.infra.models,
      live: new InMemoryLiveEvents(),
      logger: captureLogger('fatal').logger,
      retentionDays: 3,
      now: () => now,
    });
    const group = (entraId: string) => ({ entraId, name: entraId, id: null, managed: true });
    const write = async (entraId: string) => {
      const writer = feed.writer({ companyId, connectorId: 'c1', runId: null });
      await (
        await writer.stageMemberChanges([{ group: group(entraId), added: ['u1'], removed: [] }])
      ).commit();
    };

    await write('day-0-a');
    await write('day-0-b');
    now = new Date(now.getTime() + 2 * DAY);
    await write('day-2');
    expect((await readFeed(feed, companyId)).map((r) => r.entraId)).toEqual([
      'day-0-a',
      'day-0-b',
      'day-2',
    ]);

    now = new Date(now.getTime() + 2 * DAY);
    await write('day-4');
    const kept = await readFeed(feed, companyId);
    expect(kept.map((r) => [r.entraId, r.seq])).toEqual([
      ['day-2', 3],
      ['day-4', 4],
    ]);
    expect(await h.infra.models.FeedEntry.countDocuments({ companyId })).toBe(2);
    expect(await feed.store.head(companyId)).toEqual({ committed: 4, trimmed: 2 });
  });
});
