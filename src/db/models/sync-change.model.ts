import { Schema, type Connection, type Model, type Types } from 'mongoose';

export enum ChangeObjectType {
  USER = 'USER',
  GROUP = 'GROUP',
}

export enum ChangeAction {
  CREATE = 'CREATE',
  CREATE_PENDING_APPROVAL = 'CREATE_PENDING_APPROVAL',
  LINK = 'LINK',
  UPDATE = 'UPDATE',
  ENABLE = 'ENABLE',
  DISABLE = 'DISABLE',
  DELETE = 'DELETE',
  GROUP_CREATE = 'GROUP_CREATE',
  GROUP_UPDATE = 'GROUP_UPDATE',
  GROUP_REMOVE = 'GROUP_REMOVE',
  /** A per-object failure (duplicate email, rejected record): nothing was written. */
  ERROR = 'ERROR',
}

export enum ChangeState {
  APPLIED = 'APPLIED',
  /** Held by the mass-change guard until the run is approved or rejected. */
  STAGED = 'STAGED',
  REJECTED = 'REJECTED',
  /** Withheld: deprovisioning on incomplete data, or the object changed before approval. */
  SKIPPED = 'SKIPPED',
  FAILED = 'FAILED',
  /** previewSync only. */
  PLANNED = 'PLANNED',
}

export interface ChangeEntry {
  seq: number;
  objectType: ChangeObjectType;
  /** Entra object id. */
  objectId: string;
  /** Email or group name, for people reading the log. */
  label: string;
  action: ChangeAction;
  /** The sync rule that caused the change (e.g. `userRemovedFromGroup`). */
  rule: string;
  state: ChangeState;
  /** The touched fields before and after. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  message: string | null;
  /** STAGED only: the write to perform if the run is approved. */
  pending?: { userId: string; set: Record<string, unknown>; expectStatus: string } | null;
}

/**
 * The per-object change log of a run, stored in chunks of CHANGE_CHUNK_SIZE entries: a 100,000-user
 * initial sync writes 200 documents instead of 100,000 (FerretDB pays per document written).
 */
export interface SyncChangeChunkDoc {
  _id: Types.ObjectId;
  runId: string;
  chunk: number;
  entries: ChangeEntry[];
  /** Entries in this chunk still STAGED, so approval finds them without reading every chunk. */
  staged: number;
  createdAt: Date;
}

export const CHANGE_CHUNK_SIZE = 500;

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
