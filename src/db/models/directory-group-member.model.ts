import { Schema, type Connection, type Model } from 'mongoose';
import { nativeCollection } from '../native-collection.js';

/**
 * One Entra user member of a selected group (in scope or not), one document per membership, so
 * a run changes memberships edge by edge and no document grows with the group. The directory
 * group's members are the edges with `inScope` (the user is synced and in the sync group); the
 * others are kept so a user who enters the scope later joins its groups without a Graph read.
 */
export interface DirectoryGroupMemberDoc {
  /**
   * `${companyId}:${groupId}:${userId}` (Entra object ids): a membership is found and written
   * by _id, and read back through `edgeOf`. A group's memberships share the `_id` prefix
   * `${companyId}:${groupId}:`, so they are read as one `_id` range (`edgeRange`) with no
   * index of their own: on the offline database (FerretDB) every index and every field costs on
   * each of the tenant's edge inserts.
   */
  _id: string;
  /**
   * `${companyId}:${userId}`: a user's memberships (the user entered or left the scope), through
   * the one secondary index.
   */
  userKey: string;
  inScope: boolean;
}

export const groupMemberKey = (companyId: string, groupId: string, userId: string): string =>
  `${companyId}:${groupId}:${userId}`;

/** The group and user of an edge, from its _id (company ids and Entra ids hold no `:`). */
export function edgeOf(id: string): { groupId: string; userId: string } {
  const [, groupId = '', userId = ''] = id.split(':');
  return { groupId, userId };
}

/**
 * The `_id` range of a group's memberships, or of all the company's without a group (ids hold no
 * `;`, which follows `:`): MongoDB reads it from the `_id` index, and so does the offline
 * FerretDB (the launcher's prefix range).
 */
export function edgeRange(companyId: string, groupId?: string): { $gte: string; $lt: string } {
  const prefix = groupId === undefined ? companyId : `${companyId}:${groupId}`;
  return { $gte: `${prefix}:`, $lt: `${prefix};` };
}

/** A group's stored memberships, streamed by `_id` range. */
export async function* groupEdges(
  model: DirectoryGroupMemberModel,
  companyId: string,
  groupId: string,
): AsyncGenerator<{ userId: string; inScope: boolean }> {
  const cursor = nativeCollection<DirectoryGroupMemberDoc>(model).find(
    { _id: edgeRange(companyId, groupId) },
    { projection: { inScope: 1 }, batchSize: 5_000 },
  );
  for await (const { _id, inScope } of cursor) yield { userId: edgeOf(_id).userId, inScope };
}

/** The document of one membership. */
export function groupMemberDoc(
  companyId: string,
  groupId: string,
  userId: string,
  inScope: boolean,
): DirectoryGroupMemberDoc {
  return {
    _id: groupMemberKey(companyId, groupId, userId),
    userKey: `${companyId}:${userId}`,
    inScope,
  };
}

const schema = new Schema<DirectoryGroupMemberDoc>(
  {
    _id: { type: String, required: true },
    userKey: { type: String, required: true },
    inScope: { type: Boolean, required: true },
  },
  { collection: 'directory_group_members', versionKey: false },
);

// A user's memberships.
schema.index({ userKey: 1 });

export type DirectoryGroupMemberModel = Model<DirectoryGroupMemberDoc>;

export function directoryGroupMemberModel(connection: Connection): DirectoryGroupMemberModel {
  return connection.model<DirectoryGroupMemberDoc>('DirectoryGroupMember', schema);
}
