import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Types, type Connection } from 'mongoose';
import {
  changeNoticeModel,
  type ChangeNoticeModel,
} from '../../src/db/models/change-notice.model.js';
import { recordChangeNotice } from '../../src/webhooks/change-notices.js';
import { NoticeActivity } from '../../src/webhooks/notice-activity.js';
import { NotificationProcessor } from '../../src/webhooks/notification-processor.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';
import { RecordingSyncRequester } from '../helpers/recording-sync.js';

/** The processor with this instance's NoticeActivity, as the runtime wires it. */
describe('NotificationProcessor with the instance NoticeActivity', () => {
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let notices: ChangeNoticeModel;

  beforeAll(async () => {
    ({ connection, close: closeDb } = await openTestConnection());
    notices = changeNoticeModel(connection);
  });
  afterAll(async () => {
    await closeDb?.();
  });

  const connectorId = () => new Types.ObjectId().toHexString();
  const processorWith = (activity: NoticeActivity, settleMs: number) =>
    new NotificationProcessor({
      notices,
      syncRequester: new RecordingSyncRequester(),
      logger: captureLogger().logger,
      settleMs,
      activity,
    });

  /**
   * A first read that runs before the receiver's insert commits: it sees nothing, and then the
   * notice lands (and, with `tell`, the receiver tells the activity, as NotificationIntake does).
   */
  function readRacingAnInsert(id: string, activity: NoticeActivity, tell: boolean) {
    return jest.spyOn(notices, 'find').mockImplementationOnce(
      () =>
        ({
          limit: () => ({
            lean: async () => {
              await recordChangeNotice(notices, id, { count: 1, missed: false });
              if (tell) activity.touch(id);
              return [];
            },
          }),
        }) as never,
    );
  }

  it('reads again when a notice was persisted after its last read began', async () => {
    const id = connectorId();
    const activity = new NoticeActivity();
    const processor = processorWith(activity, 0);
    const find = readRacingAnInsert(id, activity, true);
    try {
      // The scheduler queued no job for this notice (the processor was working on the
      // connector): only the second read covers it.
      expect(await processor.processConnector(id)).toBe(1);
      expect(await notices.countDocuments({ connectorId: id })).toBe(0);
      expect(activity.processing(id)).toBe(false);
    } finally {
      find.mockRestore();
    }
  });

  it('stops after an empty read when no notice landed since it began', async () => {
    const id = connectorId();
    const activity = new NoticeActivity();
    const processor = processorWith(activity, 0);
    // The same race, but the receiver did not report: the processor has no reason to read
    // again, and the notice waits for its own job (which the scheduler then queues).
    const find = readRacingAnInsert(id, activity, false);
    try {
      expect(await processor.processConnector(id)).toBe(0);
      expect(await notices.countDocuments({ connectorId: id })).toBe(1);
    } finally {
      find.mockRestore();
      await notices.deleteMany({ connectorId: id });
    }
  });

  it('waits for a local burst to settle without reading the notices', async () => {
    const id = connectorId();
    const activity = new NoticeActivity();
    const processor = processorWith(activity, 300);
    await recordChangeNotice(notices, id, { count: 1, missed: false });
    activity.touch(id);
    const original = notices.find.bind(notices);
    const started = Date.now();
    let firstReadAfter: number | undefined;
    const find = jest.spyOn(notices, 'find').mockImplementation(((
      ...args: Parameters<ChangeNoticeModel['find']>
    ) => {
      firstReadAfter ??= Date.now() - started;
      return original(...args);
    }) as never);
    try {
      expect(await processor.processConnector(id)).toBe(1);
      expect(firstReadAfter).toBeGreaterThanOrEqual(250);
      // One read finds the notice, one after the delete finds none.
      expect(find.mock.calls.length).toBe(2);
    } finally {
      find.mockRestore();
    }
  });
});
