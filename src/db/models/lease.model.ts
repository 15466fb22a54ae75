import { Schema, type Connection, type Model } from 'mongoose';

/** A short-lived exclusive claim on a key (e.g. one connector's subscriptions), across instances. */
export interface LeaseRecord {
  _id: string;
  owner: string;
  until: Date;
}

export const LEASE_MODEL = 'Lease';

const schema = new Schema<LeaseRecord>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    until: { type: Date, required: true },
  },
  { collection: 'leases', versionKey: false },
);

export type LeaseModel = Model<LeaseRecord>;

export function leaseModel(connection: Connection): LeaseModel {
  return (
    (connection.models[LEASE_MODEL] as LeaseModel | undefined) ??
    connection.model<LeaseRecord>(LEASE_MODEL, schema)
  );
}
