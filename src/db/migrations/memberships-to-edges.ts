import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { ObjectId } from 'mongodb';
import { groupMemberDoc } from '../models/directory-group-member.model.js';
import type { DataMigration } from './migration.js';

/**
 * Before: each directory group held its members' ids in arrays (`memberIds`, `entraMemberIds`)
 * and each connector's sync state a mirror of every selected group's members (`groups`): both
 * grew with the tenant, up to MongoDB's 16 MB limit. After: one `directory_group_members`
 * document per membership, a `memberCount` on the group and small `selectedGroups` entries in
 * the state. Converted in place, the delta links kept, so no full sync is needed.
 *
 * Idempotent and resumable: each document is converted by upserting its edges (by `_id`) and
 * only then unsetting its arrays, so a crash half-way leaves converted documents converted and
 * the next `migrate` converts the rest.
 */
export const MEMBERSHIPS_TO_EDGES = '2026-12-memberships-to-edges';

export const membershipsToEdges: DataMigration = {
  id: MEMBERSHIPS_TO_EDGES,
  description: 'group memberships: member id arrays to one document per membership',
  run: (db) => migrateMembershipsToEdges(db),
};

interface LegacyGroupMirror {
  id: string;
  name?: string;
  memberIds?: string[];
}

export async function migrateMembershipsToEdges(
  db: Db,
): Promise<{ states: number; groups: number; edges: number }> {
  const counts = { states: 0, groups: 0, edges: 0 };
  const states = db.collection('sync_states');
  const groups = db.collection('directory_groups');
  for await (const state of states.find({ groups: { $exists: true } })) {
    const connectorId = String(state['_id']);
    const connector = ObjectId.isValid(connectorId)
      ? await db.collection('connectors').findOne({ _id: new ObjectId(connectorId) })
      : null;
    const mirror = (state['groups'] as LegacyGroupMirror[] | undefined) ?? [];
    const selectedGroups = [];
    if (connector) {
      const companyId = String(connector['companyId']);
      for (const group of mirror) {
        const directory = await groups.findOne({ entraKey: `${companyId}:${group.id}` });
        const inScope = new Set((directory?.['memberIds'] as string[] | undefined) ?? []);
        const members = group.memberIds ?? [];
        counts.edges += await upsertEdges(db, companyId, group.id, members, inScope);
        selectedGroups.push({
          id: group.id,
          name: group.name ?? group.id,
          edges: members.length,
          members: members.filter((id) => inScope.has(id)).length,
        });
      }
    }
    await states.updateOne(
      { _id: state['_id'] },
      { $set: { selectedGroups, managedUsers: null, pendingRunId: null }, $unset: { groups: '' } },
    );
    counts.states += 1;
  }
  for await (const group of groups.find({ memberIds: { $exists: true } })) {
    const members = (group['memberIds'] as string[] | undefined) ?? [];
    const all = (group['entraMemberIds'] as string[] | undefined) ?? members;
    const inScope = new Set(members);
    const ids = [...new Set([...all, ...members])];
    counts.edges += await upsertEdges(
      db,
      String(group['companyId']),
      String(group['entraId']),
      ids,
      inScope,
    );
    await groups.updateOne(
      { _id: group['_id'] },
      { $set: { memberCount: members.length }, $unset: { memberIds: '', entraMemberIds: '' } },
    );
    counts.groups += 1;
  }
  return counts;
}

async function upsertEdges(
  db: Db,
  companyId: string,
  groupId: string,
  userIds: readonly string[],
  inScope: ReadonlySet<string>,
): Promise<number> {
  const edges = db.collection<{ _id: string }>('directory_group_members');
  for (let i = 0; i < userIds.length; i += 500) {
    const ops: AnyBulkWriteOperation<{ _id: string }>[] = userIds
      .slice(i, i + 500)
      .map((userId) => {
        const { _id, ...fields } = groupMemberDoc(companyId, groupId, userId, inScope.has(userId));
        return { updateOne: { filter: { _id }, update: { $set: fields }, upsert: true } };
      });
    await edges.bulkWrite(ops, { ordered: false });
  }
  return userIds.length;
}
