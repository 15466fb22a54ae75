import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A company's feed watermark: every entry numbered up to `committed` is resolved (written and
 * visible, or dropped); entries above it are staged by the run in progress. Only the holder of
 * the company's connector run lock moves it, so it needs no transaction. `trimmed`: entries up to
 * it were removed by retention.
 */
export interface FeedHeadDoc {
  /** The company id. */
  _id: string;
  committed: number;
  trimmed: number;
  updatedAt: Date;
}

const schema = new Schema<FeedHeadDoc>(
  {
    _id: { type: String, required: true },
    committed: { type: Number, default: 0 },
    trimmed: { type: Number, default: 0 },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { collection: 'feed_heads', versionKey: false },
);

export type FeedHeadModel = Model<FeedHeadDoc>;

export function feedHeadModel(connection: Connection): FeedHeadModel {
  return connection.model<FeedHeadDoc>('FeedHead', schema);
}
