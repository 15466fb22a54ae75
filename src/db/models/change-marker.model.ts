import { Schema, type Connection, type Model } from 'mongoose';

/**
 * "Something changed in this connector's tenant": written by the webhook receiver with one atomic
 * upsert BEFORE it acknowledges Graph, cleared by the processor after it requested a delta sync.
 * `seq` counts notifications; the processor clears only if `seq` is still what it read, so a
 * notification that lands while it works keeps the marker dirty. This is what makes a crash
 * between the 202 and the processing harmless: the marker is still there at the next sweep.
 */
export interface ChangeMarkerRecord {
  /** The connector id. */
  _id: string;
  seq: number;
  dirty: boolean;
  /** Graph reported `missed` notifications: delta sync covers them too. */
  missed: boolean;
  lastNotifiedAt: Date;
  processedSeq: number;
  processedAt: Date | null;
}

export const CHANGE_MARKER_MODEL = 'ChangeMarker';

const schema = new Schema<ChangeMarkerRecord>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true, default: 0 },
    dirty: { type: Boolean, required: true, default: false, index: true },
    missed: { type: Boolean, required: true, default: false },
    lastNotifiedAt: { type: Date, required: true },
    processedSeq: { type: Number, required: true, default: 0 },
    processedAt: { type: Date, default: null },
  },
  { collection: 'change_markers', versionKey: false },
);

export type ChangeMarkerModel = Model<ChangeMarkerRecord>;

export function changeMarkerModel(connection: Connection): ChangeMarkerModel {
  return (
    (connection.models[CHANGE_MARKER_MODEL] as ChangeMarkerModel | undefined) ??
    connection.model<ChangeMarkerRecord>(CHANGE_MARKER_MODEL, schema)
  );
}
