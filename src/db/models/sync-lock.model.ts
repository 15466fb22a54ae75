import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One sync at a time per connector, across hub instances. The holder renews `expiresAt` while it
 * works; a killed process stops renewing and the lock goes stale (no TTL indexes on FerretDB:
 * staleness is checked in the claim query itself).
 */
export interface SyncLockDoc {
  /** The connector id. */
  _id: string;
  owner: string;
  runId: string | null;
  expiresAt: Date;
}

const schema = new Schema<SyncLockDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    runId: { type: String, default: null },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'sync_locks', versionKey: false },
);

export type SyncLockModel = Model<SyncLockDoc>;

export function syncLockModel(connection: Connection): SyncLockModel {
  return connection.model<SyncLockDoc>('SyncLock', schema);
}
