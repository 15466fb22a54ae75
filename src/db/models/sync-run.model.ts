import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { SyncMode, SyncTrigger } from '../../domain/connector.js';
import {
  emptyCounts,
  SyncRunStatus,
  type SyncRunApproval,
  type SyncRunCounts,
  type SyncRunError,
  type SyncRunProblem,
} from '../../domain/sync-run.js';

export interface SyncRunDoc {
  _id: Types.ObjectId;
  connectorId: string;
  companyId: string;
  partnerId: string;
  trigger: SyncTrigger;
  /** What ran (a DELTA request can become FULL: no delta state, or the token expired). */
  mode: SyncMode;
  status: SyncRunStatus;
  /** `connectorId` while QUEUED (sparse unique): one queued run per connector, across instances. */
  queueKey?: string | undefined;
  /** Triggers folded into this run while it was queued. */
  coalesced: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Refreshed while RUNNING; a stale one means its hub instance died. */
  heartbeatAt: Date | null;
  counts: SyncRunCounts;
  graphRequests: number;
  resourceUnits: number;
  changeCount: number;
  error: SyncRunError | null;
  /** Why something was withheld or fell back, e.g. deprovisioning skipped on incomplete data. */
  notes: string[];
  /** The notes that made the run PARTIAL for want of data, with their codes (absent: none). */
  problems?: SyncRunProblem[];
  approval: SyncRunApproval | null;
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
