import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One Entra user member of a selected group (in scope or not), one document per membership, so
 * a run changes memberships edge by edge and no document grows with the group. The directory
 * group's members are the edges with `inScope` (the user is synced and in the sync group); the
 * others are kept so a user who enters the scope later joins its groups without a Graph read.
 */
export interface DirectoryGroupMemberDoc {
  /**
   * `${companyId}:${groupId}:${userId}` (Entra object ids): a membership is found and written
   * by _id, and read back through `edgeOf`. The ids are not repeated as fields of their own:
   * every byte costs on the offline database's inserts (about 38% of an edge insert).
   */
  _id: string;
  /**
   * `${companyId}:${groupId}` and `${companyId}:${userId}`: a group's members and a user's groups
   * are found through one single-field index each (the offline database, FerretDB, answers a
   * single-field equality or `$in` from an index, not two conditions from a compound one).
   */
  groupKey: string;
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

/** The document of one membership. */
export function groupMemberDoc(
  companyId: string,
  groupId: string,
  userId: string,
  inScope: boolean,
): DirectoryGroupMemberDoc {
  return {
    _id: groupMemberKey(companyId, groupId, userId),
    groupKey: `${companyId}:${groupId}`,
    userKey: `${companyId}:${userId}`,
    inScope,
  };
}

const schema = new Schema<DirectoryGroupMemberDoc>(
  {
    _id: { type: String, required: true },
    groupKey: { type: String, required: true },
    userKey: { type: String, required: true },
    inScope: { type: Boolean, required: true },
  },
  { collection: 'directory_group_members', versionKey: false },
);

// A user's memberships (the user entered or left the scope) and a group's members.
schema.index({ userKey: 1 });
schema.index({ groupKey: 1, inScope: 1 });

export type DirectoryGroupMemberModel = Model<DirectoryGroupMemberDoc>;

export function directoryGroupMemberModel(connection: Connection): DirectoryGroupMemberModel {
  return connection.model<DirectoryGroupMemberDoc>('DirectoryGroupMember', schema);
}
