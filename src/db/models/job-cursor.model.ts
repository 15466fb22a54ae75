import { Schema, type Connection, type Model } from 'mongoose';

/** How far a spread dispatcher (poll, reconcile) has covered its schedule; one per dispatcher. */
export interface JobCursorRecord {
  _id: string;
  coveredUntil: Date;
}

export const JOB_CURSOR_MODEL = 'JobCursor';

const schema = new Schema<JobCursorRecord>(
  {
    _id: { type: String, required: true },
    coveredUntil: { type: Date, required: true },
  },
  { collection: 'job_cursors', versionKey: false },
);

export type JobCursorModel = Model<JobCursorRecord>;

export function jobCursorModel(connection: Connection): JobCursorModel {
  return (
    (connection.models[JOB_CURSOR_MODEL] as JobCursorModel | undefined) ??
    connection.model<JobCursorRecord>(JOB_CURSOR_MODEL, schema)
  );
}
