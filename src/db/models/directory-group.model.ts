import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { ManagedBy } from '../../domain/directory.js';

/** A selected Entra group mirrored into the directory, keyed by object id, renamed in place. */
export interface DirectoryGroupDoc {
  _id: Types.ObjectId;
  companyId: string;
  entraId: string;
  /** `${companyId}:${entraId}`: one directory group per Entra group per company. */
  entraKey: string;
  name: string;
  /** Members in scope (synced users): the group's edges with `inScope` (group members model). */
  memberCount: number;
  managedBy: ManagedBy | null;
  connectorId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<DirectoryGroupDoc>(
  {
    companyId: { type: String, required: true },
    entraId: { type: String, required: true },
    entraKey: { type: String, required: true },
    name: { type: String, required: true },
    memberCount: { type: Number, default: 0 },
    managedBy: { type: String, enum: [...Object.values(ManagedBy), null], default: null },
    connectorId: { type: String, default: null },
  },
  { timestamps: true, collection: 'directory_groups' },
);

schema.index({ entraKey: 1 }, { unique: true });
schema.index({ connectorId: 1 });
schema.index({ companyId: 1, name: 1 });

export type DirectoryGroupModel = Model<DirectoryGroupDoc>;

export function directoryGroupModel(connection: Connection): DirectoryGroupModel {
  return connection.model<DirectoryGroupDoc>('DirectoryGroup', schema);
}
