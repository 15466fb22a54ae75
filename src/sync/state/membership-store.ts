import {
  edgeOf,
  groupMemberDoc,
  groupMemberKey,
  type DirectoryGroupMemberDoc,
  type DirectoryGroupMemberModel,
} from '../../db/models/directory-group-member.model.js';

/** See directory-store.ts: `$in` lists go in chunks. */
const LOOKUP_CHUNK = 250;
const WRITE_CHUNK = 1_000;

export interface Membership {
  groupId: string;
  userId: string;
  inScope: boolean;
}

/**
 * The selected groups' memberships, one document per edge, read and written by `_id` (or by
 * user, through an index) for just the edges a run touches. A preview reads but never writes.
 */
export class MembershipStore {
  constructor(
    private readonly model: DirectoryGroupMemberModel,
    private readonly companyId: string,
    private readonly readOnly: boolean,
  ) {}

  /** The stored edges of `groupId` to these users: user id -> in scope. */
  async edges(groupId: string, userIds: readonly string[]): Promise<Map<string, boolean>> {
    const found = new Map<string, boolean>();
    for (let i = 0; i < userIds.length; i += LOOKUP_CHUNK) {
      const ids = userIds.slice(i, i + LOOKUP_CHUNK).map((u) => this.key(groupId, u));
      const docs = await this.model
        .find({ _id: { $in: ids } }, { inScope: 1 })
        .lean<Pick<DirectoryGroupMemberDoc, '_id' | 'inScope'>[]>();
      for (const doc of docs) found.set(edgeOf(doc._id).userId, doc.inScope);
    }
    return found;
  }

  /** Every stored edge of these users, in any group. */
  async edgesOfUsers(userIds: readonly string[]): Promise<Membership[]> {
    const edges: Membership[] = [];
    for (let i = 0; i < userIds.length; i += LOOKUP_CHUNK) {
      const keys = userIds.slice(i, i + LOOKUP_CHUNK).map((u) => `${this.companyId}:${u}`);
      const docs = await this.model
        .find({ userKey: { $in: keys } }, { inScope: 1 })
        .lean<Pick<DirectoryGroupMemberDoc, '_id' | 'inScope'>[]>();
      edges.push(...docs.map(({ _id, inScope }) => ({ ...edgeOf(_id), inScope })));
    }
    return edges;
  }

  /** Whether any edge of the group is stored. */
  async hasEdges(groupId: string): Promise<boolean> {
    const one = await this.model.collection.findOne(
      { groupKey: `${this.companyId}:${groupId}` },
      { projection: { _id: 1 } },
    );
    return one !== null;
  }

  /** A group's stored edges, streamed (a full sync's sweep). */
  async *groupEdges(groupId: string): AsyncGenerator<Membership> {
    const cursor = this.model.collection.find(
      { groupKey: `${this.companyId}:${groupId}` },
      { projection: { inScope: 1 }, batchSize: 5_000 },
    );
    for await (const doc of cursor) {
      const { _id, inScope } = doc as unknown as Pick<DirectoryGroupMemberDoc, '_id' | 'inScope'>;
      yield { groupId, userId: edgeOf(_id).userId, inScope };
    }
  }

  async insert(groupId: string, members: readonly { userId: string; inScope: boolean }[]) {
    if (this.readOnly) return;
    for (let i = 0; i < members.length; i += WRITE_CHUNK) {
      const docs = members
        .slice(i, i + WRITE_CHUNK)
        .map((m) => groupMemberDoc(this.companyId, groupId, m.userId, m.inScope));
      try {
        await this.model.insertMany(docs, { ordered: false, lean: true });
      } catch (error) {
        // A replayed run (crash before its links were saved) may insert an edge again.
        if (!onlyDuplicates(error)) throw error;
      }
    }
  }

  async setScope(groupId: string, userIds: readonly string[], inScope: boolean): Promise<void> {
    if (this.readOnly) return;
    for (let i = 0; i < userIds.length; i += LOOKUP_CHUNK) {
      const ids = userIds.slice(i, i + LOOKUP_CHUNK).map((u) => this.key(groupId, u));
      await this.model.updateMany({ _id: { $in: ids } }, { $set: { inScope } });
    }
  }

  async remove(groupId: string, userIds: readonly string[]): Promise<void> {
    if (this.readOnly) return;
    for (let i = 0; i < userIds.length; i += LOOKUP_CHUNK) {
      const ids = userIds.slice(i, i + LOOKUP_CHUNK).map((u) => this.key(groupId, u));
      await this.model.deleteMany({ _id: { $in: ids } });
    }
  }

  private key(groupId: string, userId: string): string {
    return groupMemberKey(this.companyId, groupId, userId);
  }
}

function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return (
    list.length > 0 &&
    list.every((e) => (e as { code?: number; err?: { code?: number } }).code === 11000)
  );
}
