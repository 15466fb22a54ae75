import { BSON, type Binary } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import type { DirectoryChangeRecord } from '../../domain/directory-event.js';
import { packObject } from './packed.js';

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

/**
 * How an entry is stored: what is filtered or changed after the insert stays a field, the rest
 * of the entry is one BSON binary (`body`). An entry is never queried by its content, and the
 * offline database (FerretDB) pays per field for every document it writes: a first sync's 1,000
 * entries went in twice as fast packed (about 30 against 60 ms). `members`, when present beside
 * the body, replaces the body's (recovery narrows a pending event to what took effect). Entries
 * written as plain fields (no `body`) read as before.
 */
export interface StoredFeedEntry extends Partial<FeedEntryDoc> {
  _id: string;
  companyId: string;
  seq: number;
  body?: Binary;
}

export function toStoredFeedEntry(entry: FeedEntryDoc): StoredFeedEntry {
  const { _id, companyId, seq, dropped, ...rest } = entry;
  const stored: StoredFeedEntry = { _id, companyId, seq, body: packObject(rest) };
  if (dropped !== undefined) stored.dropped = dropped;
  return stored;
}

export function fromStoredFeedEntry(stored: StoredFeedEntry): FeedEntryDoc {
  const { body, ...outer } = stored;
  if (!body) return stored as FeedEntryDoc;
  return { ...(BSON.deserialize(body.value()) as Omit<FeedEntryDoc, '_id'>), ...outer };
}

export const FEED_SEQ_DIGITS = 12;

export const feedEntryId = (companyId: string, seq: number): string =>
  `${companyId}:${String(seq).padStart(FEED_SEQ_DIGITS, '0')}`;

const schema = new Schema<StoredFeedEntry>(
  {
    _id: { type: String, required: true },
    companyId: { type: String, required: true },
    seq: { type: Number, required: true },
    body: { type: Schema.Types.Mixed },
    members: { type: Schema.Types.Mixed },
    dropped: { type: Boolean },
  },
  { collection: 'feed_entries', versionKey: false, minimize: false },
);

export type FeedEntryModel = Model<StoredFeedEntry>;

export function feedEntryModel(connection: Connection): FeedEntryModel {
  return connection.model<StoredFeedEntry>('FeedEntry', schema);
}
