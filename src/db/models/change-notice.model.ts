import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * "Something changed in this connector's tenant", appended by the webhook receiver BEFORE it
 * acknowledges Graph, and deleted by the processor once it requested a delta sync for it. A crash
 * between the 202 and the processing leaves the notice in place for the sweep: nothing is lost.
 *
 * Append-only on purpose: FerretDB v1 (CI's database) pays about a millisecond per updated
 * document but inserts fifty in about three, so a hot path of inserts keeps acks in milliseconds
 * at hundreds of notifications per second where per-connector upserts queued up.
 */
export interface ChangeNoticeRecord {
  _id: Types.ObjectId;
  connectorId: string;
  /** How many notifications this notice stands for (one group commit may combine several). */
  count: number;
  /** Graph reported `missed` notifications (or a subscription was just (re)created). */
  missed: boolean;
  receivedAt: Date;
}

export const CHANGE_NOTICE_MODEL = 'ChangeNotice';

const schema = new Schema<ChangeNoticeRecord>(
  {
    connectorId: { type: String, required: true, index: true },
    count: { type: Number, required: true },
    missed: { type: Boolean, required: true },
    receivedAt: { type: Date, required: true, index: true },
  },
  { collection: 'change_notices', versionKey: false },
);

export type ChangeNoticeModel = Model<ChangeNoticeRecord>;

export function changeNoticeModel(connection: Connection): ChangeNoticeModel {
  return (
    (connection.models[CHANGE_NOTICE_MODEL] as ChangeNoticeModel | undefined) ??
    connection.model<ChangeNoticeRecord>(CHANGE_NOTICE_MODEL, schema)
  );
}
