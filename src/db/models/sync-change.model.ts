import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { ChangeEntry } from '../../domain/change.js';
import type { Packed } from './packed.js';

/**
 * The per-object change log of a run, stored in chunks of CHANGE_CHUNK_SIZE entries: a 100,000-user
 * initial sync writes 1,000 documents instead of 100,000 (FerretDB pays per document written),
 * each well under 64 KB (an entry is a few hundred bytes; group entries carry at most
 * MEMBER_SAMPLE ids).
 */
export interface SyncChangeChunkDoc {
  _id: Types.ObjectId;
  runId: string;
  chunk: number;
  /** Packed (packed.ts); chunks written before hold an array. */
  entries: Packed<ChangeEntry>;
  /** Entries in this chunk still STAGED, so approval finds them without reading every chunk. */
  staged: number;
  createdAt: Date;
}

export const CHANGE_CHUNK_SIZE = 100;

const schema = new Schema<SyncChangeChunkDoc>(
  {
    runId: { type: String, required: true },
    chunk: { type: Number, required: true },
    entries: { type: Schema.Types.Mixed, default: () => [] },
    staged: { type: Number, default: 0 },
    createdAt: { type: Date, default: () => new Date() },
  },
  { collection: 'sync_changes', versionKey: false },
);

schema.index({ runId: 1, chunk: 1 }, { unique: true });

export type SyncChangeChunkModel = Model<SyncChangeChunkDoc>;

export function syncChangeChunkModel(connection: Connection): SyncChangeChunkModel {
  return connection.model<SyncChangeChunkDoc>('SyncChangeChunk', schema);
}
