import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { syncModels, type SyncModels } from '../../src/db/models/sync-models.js';
import { CHANGE_CHUNK_SIZE } from '../../src/db/models/sync-change.model.js';
import { unpack } from '../../src/db/models/packed.js';
import { ChangeAction, ChangeObjectType, ChangeState } from '../../src/domain/change.js';
import { ChangeLogWriter } from '../../src/sync/apply/change-log.js';
import type { PlannedChange } from '../../src/sync/plan/plan.types.js';
import { openTestConnection } from '../helpers/database.js';

function change(n: number): PlannedChange {
  return {
    objectType: ChangeObjectType.USER,
    objectId: `user-${n}`,
    label: `user${n}@example.com`,
    action: ChangeAction.CREATE,
    rule: 'userAdded',
    before: null,
    after: { email: `user${n}@example.com` },
    message: null,
    deprovision: false,
    write: null,
  };
}

/**
 * The run's change log is written while the run goes on; what it wrote, and a write that failed,
 * are still known when the run flushes it.
 */
describe('ChangeLogWriter', () => {
  let db: Awaited<ReturnType<typeof openTestConnection>>;
  let models: SyncModels;

  beforeAll(async () => {
    db = await openTestConnection();
    models = syncModels(db.connection);
    await models.SyncChangeChunk.init();
  });
  afterAll(() => db.close());

  it('writes every entry, in order, by the time flush returns', async () => {
    const runId = new Types.ObjectId().toHexString();
    const writer = new ChangeLogWriter(models.SyncChangeChunk, runId);
    const total = CHANGE_CHUNK_SIZE * 25 + 7;
    for (let n = 0; n < total; n++) await writer.add(change(n), ChangeState.APPLIED, null);
    await writer.flush();

    const chunks = await models.SyncChangeChunk.find({ runId }).sort({ chunk: 1 }).lean();
    const entries = chunks.flatMap((c) => unpack(c.entries));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(chunks.map((c) => c.chunk)).toEqual(chunks.map((_, i) => i));
  });

  it('a write that fails in the background fails the flush, with the database error', async () => {
    const runId = new Types.ObjectId().toHexString();
    // The first chunk's key is taken: its insert breaks the unique (runId, chunk) index.
    await models.SyncChangeChunk.create({ runId, chunk: 0, entries: [] });
    const writer = new ChangeLogWriter(models.SyncChangeChunk, runId);
    const adding = (async () => {
      for (let n = 0; n < CHANGE_CHUNK_SIZE * 12; n++) {
        await writer.add(change(n), ChangeState.APPLIED, null);
      }
      await writer.flush();
    })();
    await expect(adding).rejects.toMatchObject({ code: 11000 });
  });
});
