import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { SyncMode, SyncTrigger } from '../../domain/connector.js';
import { emptyCounts, SyncRunStatus, type SyncRunRecord } from '../../domain/sync-run.js';

/** A stored run: its record (src/domain/sync-run.ts) and the queue's bookkeeping. */
export interface SyncRunDoc extends Omit<SyncRunRecord, 'id' | 'problems'> {
  _id: Types.ObjectId;
  /** `connectorId` while QUEUED (sparse unique): one queued run per connector, across instances. */
  queueKey?: string | undefined;
  /** Refreshed while RUNNING; a stale one means its hub instance died. */
  heartbeatAt: Date | null;
  /** The problems that made the run PARTIAL, with their codes (absent on runs stored before codes). */
  problems?: SyncRunRecord['problems'];
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<SyncRunDoc>(
  {
    connectorId: { type: String, required: true },
    companyId: { type: String, required: true },
    partnerId: { type: String, required: true },
    trigger: { type: String, enum: Object.values(SyncTrigger), required: true },
    mode: { type: String, enum: Object.values(SyncMode), required: true },
    status: { type: String, enum: Object.values(SyncRunStatus), required: true },
    queueKey: { type: String },
    coalesced: { type: Number, default: 0 },
    requestedAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    heartbeatAt: { type: Date, default: null },
    counts: { type: Schema.Types.Mixed, default: emptyCounts },
    graphRequests: { type: Number, default: 0 },
    resourceUnits: { type: Number, default: 0 },
    changeCount: { type: Number, default: 0 },
    error: { type: Schema.Types.Mixed, default: null },
    notes: { type: [String], default: [] },
    problems: { type: Schema.Types.Mixed, default: [] },
    approval: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: true, collection: 'sync_runs', minimize: false },
);

schema.index({ queueKey: 1 }, { unique: true, sparse: true });
schema.index({ connectorId: 1, requestedAt: -1 });
schema.index({ status: 1 });
schema.index({ finishedAt: 1 });

export type SyncRunModel = Model<SyncRunDoc>;

export function syncRunModel(connection: Connection): SyncRunModel {
  return connection.model<SyncRunDoc>('SyncRun', schema);
}
