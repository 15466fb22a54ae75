import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface CompanyDoc {
  _id: Types.ObjectId;
  partnerId: string;
  name: string;
  /** Licensed seats; null = unlimited. The sync engine stops creating users above it. */
  seatLimit: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const companySchema = new Schema<CompanyDoc>(
  {
    partnerId: { type: String, required: true, index: true },
    name: { type: String, required: true },
    seatLimit: { type: Number, default: null, min: 0 },
  },
  { timestamps: true, collection: 'companies' },
);

export type CompanyModel = Model<CompanyDoc>;

export function companyModel(connection: Connection): CompanyModel {
  return connection.model<CompanyDoc>('Company', companySchema);
}
