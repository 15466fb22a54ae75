import {
  edgeOf,
  edgeRange,
  groupEdges,
  groupMemberDoc,
  groupMemberKey,
  type DirectoryGroupMemberDoc,
  type DirectoryGroupMemberModel,
} from '../../db/models/directory-group-member.model.js';
import { nativeCollection } from '../../db/native-collection.js';

/** See directory-store.ts: `$in` lists go in chunks. */
const LOOKUP_CHUNK = 250;
const WRITE_CHUNK = 1_000;

export interface Membership {
  groupId: string;
  userId: string;
  inScope: boolean;
}

/** One edge, named by its group and user. */
export type EdgeRef = Pick<Membership, 'groupId' | 'userId'>;

/** A map key of an edge within one company (see `MembershipStore.find`). */
export const edgeKey = (groupId: string, userId: string): string => `${groupId}:${userId}`;

/**
 * The selected groups' memberships, one document per edge, read and written by `_id` (a group's
 * as one `_id` range, a user's through an index) for just the edges a run touches. A preview
 * reads but never writes.
 */
export class MembershipStore {
  /** Edges held by `insertLater` until WRITE_CHUNK of them (or `flush`). */
  private held: Membership[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly model: DirectoryGroupMemberModel,
    private readonly companyId: string,
    private readonly readOnly: boolean,
  ) {}

  /** The stored edges of `groupId` to these users: user id -> in scope. */
  async edges(groupId: string, userIds: readonly string[]): Promise<Map<string, boolean>> {
    const found = new Map<string, boolean>();
    const stored = await this.find(userIds.map((userId) => ({ groupId, userId })));
    for (const userId of userIds) {
      const inScope = stored.get(edgeKey(groupId, userId));
      if (inScope !== undefined) found.set(userId, inScope);
    }
    return found;
  }

  /** The stored edges among these, in any groups: `edgeKey(group, user)` -> in scope. */
  async find(refs: readonly EdgeRef[]): Promise<Map<string, boolean>> {
    const found = new Map<string, boolean>();
    for (const ids of this.idChunks(refs)) {
      const docs = await this.model
        .find({ _id: { $in: ids } }, { inScope: 1 })
        .lean<Pick<DirectoryGroupMemberDoc, '_id' | 'inScope'>[]>();
      for (const doc of docs) {
        const { groupId, userId } = edgeOf(doc._id);
        found.set(edgeKey(groupId, userId), doc.inScope);
      }
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

  /** Whether any edge of the group (without one: of the company) is stored. */
  async hasEdges(groupId?: string): Promise<boolean> {
    const one = await nativeCollection<DirectoryGroupMemberDoc>(this.model).findOne(
      { _id: edgeRange(this.companyId, groupId) },
      { projection: { _id: 1 } },
    );
    return one !== null;
  }

  /** A group's stored edges, streamed (a full sync's sweep). */
  async *groupEdges(groupId: string): AsyncGenerator<Membership> {
    for await (const edge of groupEdges(this.model, this.companyId, groupId)) {
      yield { groupId, ...edge };
    }
  }

  insert(groupId: string, members: readonly { userId: string; inScope: boolean }[]) {
    return this.insertAll(members.map((m) => ({ groupId, ...m })));
  }

  async insertAll(edges: readonly Membership[]): Promise<void> {
    if (this.readOnly) return;
    for (let i = 0; i < edges.length; i += WRITE_CHUNK) {
      const docs = edges
        .slice(i, i + WRITE_CHUNK)
        .map((m) => groupMemberDoc(this.companyId, m.groupId, m.userId, m.inScope));
      try {
        await this.model.insertMany(docs, { ordered: false, lean: true });
      } catch (error) {
        // A replayed run (crash before its links were saved) may insert an edge again.
        if (!onlyDuplicates(error)) throw error;
      }
    }
  }

  /**
   * Inserts written later, a thousand at a time across groups: one transaction each instead of
   * one per group page (a first sync's groups are mostly smaller than a page). Only for edges
   * no feed event waits on; `flush` before the edges are read or the run's state is saved.
   */
  async insertLater(groupId: string, members: readonly { userId: string; inScope: boolean }[]) {
    for (const m of members) this.held.push({ groupId, ...m });
    if (this.held.length >= WRITE_CHUNK) await this.flush(true);
  }

  /** Writes the held inserts (whole chunks only, when `chunks`), after any write under way. */
  flush(chunks = false): Promise<void> {
    const count = chunks ? this.held.length - (this.held.length % WRITE_CHUNK) : this.held.length;
    const edges = this.held.splice(0, count);
    this.flushing = this.flushing.then(() => this.insertAll(edges));
    return this.flushing;
  }

  setScope(groupId: string, userIds: readonly string[], inScope: boolean): Promise<void> {
    return this.setScopeAll(
      userIds.map((userId) => ({ groupId, userId })),
      inScope,
    );
  }

  async setScopeAll(refs: readonly EdgeRef[], inScope: boolean): Promise<void> {
    if (this.readOnly) return;
    for (const ids of this.idChunks(refs)) {
      await this.model.updateMany({ _id: { $in: ids } }, { $set: { inScope } });
    }
  }

  remove(groupId: string, userIds: readonly string[]): Promise<void> {
    return this.removeAll(userIds.map((userId) => ({ groupId, userId })));
  }

  async removeAll(refs: readonly EdgeRef[]): Promise<void> {
    if (this.readOnly) return;
    for (const ids of this.idChunks(refs)) {
      await this.model.deleteMany({ _id: { $in: ids } });
    }
  }

  /** The edges' `_id`s, LOOKUP_CHUNK at a time (one `_id $in` each). */
  private *idChunks(refs: readonly EdgeRef[]): Generator<string[]> {
    for (let i = 0; i < refs.length; i += LOOKUP_CHUNK) {
      yield refs.slice(i, i + LOOKUP_CHUNK).map((ref) => this.key(ref.groupId, ref.userId));
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
