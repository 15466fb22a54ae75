import { Schema, type Connection, type Model } from 'mongoose';
import type { DirectoryChangeRecord } from '../../domain/directory-event.js';

export type PlainFields = Record<string, string | number | boolean | null>;

/**
 * How a later run tells whether a change that was staged but never committed (the run died in
 * between) reached the directory: the document the write targets and what it must show.
 */
export type FeedCheck =
  /** The directory user (by `id`, else `entraKey`) exists and has these values. */
  | { kind: 'user'; id: string | null; entraKey: string; fields: PlainFields }
  /** The directory group (by `id`, else `entraKey`) exists and has these values. */
  | { kind: 'group'; id: string | null; entraKey: string; fields: PlainFields }
  /**
   * The memberships the event lists took effect (an added edge is in scope, a removed one is
   * gone or out of scope); with `groupKey`, only if that group is managed as well.
   */
  | { kind: 'members'; companyId: string; groupId: string; managedGroupKey: string | null };

/**
 * One entry of a company's change feed, one document per change. `_id` is the company and the
 * entry's sequence number, zero-padded, so a page of the feed is read by `_id $in` (the offline
 * database answers that from its index; any other filter decodes the whole collection). An entry
 * is visible once its number is at most the company's committed head (feed-head.model.ts).
 */
export interface FeedEntryDoc extends Omit<DirectoryChangeRecord, 'cursor' | 'objectId'> {
  _id: string;
  /** The directory id when the write names it; null for inserts (looked up when read). */
  objectId: string | null;
  check: FeedCheck;
  /** The write failed (or never happened): skipped by readers, its number stays used. */
  dropped?: boolean;
}

export const FEED_SEQ_DIGITS = 12;

export const feedEntryId = (companyId: string, seq: number): string =>
  `${companyId}:${String(seq).padStart(FEED_SEQ_DIGITS, '0')}`;

const schema = new Schema<FeedEntryDoc>(
  {
    _id: { type: String, required: true },
    companyId: { type: String, required: true },
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    connectorId: { type: String, default: null },
    runId: { type: String, default: null },
    objectType: { type: String, required: true },
    objectId: { type: String, default: null },
    entraId: { type: String, required: true },
    label: { type: String, default: '' },
    rule: { type: String, default: null },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, default: null },
    members: { type: Schema.Types.Mixed, default: null },
    check: { type: Schema.Types.Mixed, required: true },
    dropped: { type: Boolean },
  },
  { collection: 'feed_entries', versionKey: false, minimize: false },
);

export type FeedEntryModel = Model<FeedEntryDoc>;

export function feedEntryModel(connection: Connection): FeedEntryModel {
  return connection.model<FeedEntryDoc>('FeedEntry', schema);
}
