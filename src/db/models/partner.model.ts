import { Schema, type Connection, type Model } from 'mongoose';

/** A partner (MSP) as the hub knows it: the portal owns partners; the hub keeps their id. */
export interface PartnerDoc {
  _id: string;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const partnerSchema = new Schema<PartnerDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, default: null },
  },
  { timestamps: true, collection: 'partners' },
);

export type PartnerModel = Model<PartnerDoc>;

export function partnerModel(connection: Connection): PartnerModel {
  return connection.model<PartnerDoc>('Partner', partnerSchema);
}
