import { Schema, type Connection, type Model, type Types } from 'mongoose';
import {
  DirectoryUserStatus,
  ManagedBy,
  type DirectoryUserFields,
  type EntraFacts,
} from '../../domain/directory.js';

/** A user of the company's password manager directory; Entra users are keyed by object id. */
export interface DirectoryUserDoc extends DirectoryUserFields {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const factsSchema = new Schema<EntraFacts>(
  {
    inScope: { type: Boolean, required: true },
    enabled: { type: Boolean, required: true },
    deleted: { type: Boolean, required: true },
    guest: { type: Boolean, required: true },
  },
  { _id: false },
);

const schema = new Schema<DirectoryUserDoc>(
  {
    companyId: { type: String, required: true },
    entraId: { type: String, default: null },
    entraKey: { type: String },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    displayName: { type: String, default: '' },
    givenName: { type: String, default: null },
    surname: { type: String, default: null },
    status: { type: String, enum: Object.values(DirectoryUserStatus), required: true },
    statusReason: { type: String, default: null },
    managedBy: { type: String, enum: [...Object.values(ManagedBy), null], default: null },
    connectorId: { type: String, default: null },
    entra: { type: factsSchema, default: null },
    disabledAt: { type: Date, default: null },
    deleteAfter: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'directory_users' },
);

schema.index({ entraKey: 1 }, { unique: true, sparse: true });
schema.index({ emailKey: 1 }, { unique: true });
schema.index({ connectorId: 1, status: 1 });
// A company's users in `_id` order (the API's pages). New users' `_id`s grow, so their entries
// go at the end of the company's range: an index by email took each insert to a random page,
// about a sixth of a 100,000-user first sync on the offline database (FerretDB). An existing
// `companyId_1_email_1` is reported by `migrate` and may be dropped (docs/operations.md).
schema.index({ companyId: 1, _id: 1 });

export type DirectoryUserModel = Model<DirectoryUserDoc>;

export function directoryUserModel(connection: Connection): DirectoryUserModel {
  return connection.model<DirectoryUserDoc>('DirectoryUser', schema);
}
