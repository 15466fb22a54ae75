import type { Connection } from 'mongoose';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';

/** What is waiting to be processed for a connector: notices, notifications they stand for. */
export async function pendingChanges(
  connection: Connection,
  connectorId: string,
): Promise<{ notices: number; count: number; missed: boolean }> {
  const docs = await changeNoticeModel(connection).find({ connectorId }).lean();
  return {
    notices: docs.length,
    count: docs.reduce((sum, d) => sum + d.count, 0),
    missed: docs.some((d) => d.missed),
  };
}
