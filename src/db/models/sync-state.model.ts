import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Delta state per connector. The links are written only after the changes they cover were
 * applied, so a crash in between replays those changes (the apply is idempotent) instead of
 * losing them.
 */
export interface SyncStateDoc {
  /** The connector id. */
  _id: string;
  /** Sync group, selected groups and scope rules the links were taken for; a change forces FULL. */
  scopeKey: string;
  usersDeltaLink: string | null;
  groupsDeltaLink: string | null;
  lastFullSyncAt: Date | null;
  /** The last time Entra was asked for changes and the directory found up to date with them. */
  checkedAt: Date | null;
  /** Selected groups as Entra has them (all user members), including ones not created. */
  groups: MirroredGroup[];
  updatedAt: Date;
}

export interface MirroredGroup {
  id: string;
  name: string;
  memberIds: string[];
}

const schema = new Schema<SyncStateDoc>(
  {
    _id: { type: String, required: true },
    scopeKey: { type: String, required: true },
    usersDeltaLink: { type: String, default: null },
    groupsDeltaLink: { type: String, default: null },
    lastFullSyncAt: { type: Date, default: null },
    checkedAt: { type: Date, default: null },
    groups: { type: Schema.Types.Mixed, default: () => [] },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { collection: 'sync_states', versionKey: false },
);

export type SyncStateModel = Model<SyncStateDoc>;

export function syncStateModel(connection: Connection): SyncStateModel {
  return connection.model<SyncStateDoc>('SyncState', schema);
}
