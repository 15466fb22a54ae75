/**
 * The directory as a consumer of the change feed rebuilds it: every entry applied in order. The
 * feed tests compare it with the directory itself, so a change (or a membership) the feed missed,
 * duplicated or ordered wrongly shows as a difference.
 */
import { edgeOf, edgeRange } from '../../src/db/models/directory-group-member.model.js';
import type { SyncModels } from '../../src/db/models/sync-models.js';
import type { ChangeFeed } from '../../src/feed/change-feed.js';
import {
  DirectoryEventType,
  type DirectoryChangeRecord,
} from '../../src/domain/directory-event.js';
import type { SyncHarness } from '../sync/sync-harness.js';

export interface FeedModel {
  users: Map<string, { status: string; email: string; displayName: string; id: string | null }>;
  groups: Map<string, { name: string; members: Set<string>; id: string | null }>;
  records: DirectoryChangeRecord[];
}

/** Every visible entry of the company's feed, in order, read page by page. */
export async function readFeed(feed: ChangeFeed, companyId: string, pageSize = 50) {
  const records: DirectoryChangeRecord[] = [];
  let after = 0;
  for (;;) {
    const page = await feed.reader.page(companyId, after, pageSize);
    records.push(...(await feed.reader.records(companyId, page.entries)));
    after = page.lastSeq;
    if (page.lastSeq >= page.committed) return records;
  }
}

export function replay(records: readonly DirectoryChangeRecord[]): FeedModel {
  const users: FeedModel['users'] = new Map();
  const groups: FeedModel['groups'] = new Map();
  for (const r of records) {
    const after = r.after ?? {};
    switch (r.type) {
      case DirectoryEventType.USER_CREATED:
        users.set(r.entraId, {
          status: String(after['status']),
          email: String(after['email']),
          displayName: String(after['displayName']),
          id: r.objectId,
        });
        break;
      case DirectoryEventType.USER_UPDATED:
      case DirectoryEventType.USER_DISABLED:
      case DirectoryEventType.USER_ENABLED:
      case DirectoryEventType.USER_DELETED: {
        const user = users.get(r.entraId);
        if (!user) throw new Error(`${r.type} for an unknown user ${r.entraId} at ${r.seq}`);
        for (const key of ['status', 'email', 'displayName'] as const) {
          if (typeof after[key] === 'string') user[key] = after[key];
        }
        break;
      }
      case DirectoryEventType.GROUP_CREATED:
        groups.set(r.entraId, { name: String(after['name']), members: new Set(), id: r.objectId });
        break;
      case DirectoryEventType.GROUP_UPDATED:
        groups.get(r.entraId)!.name = String(after['name']);
        break;
      case DirectoryEventType.GROUP_DELETED:
        groups.delete(r.entraId);
        break;
      case DirectoryEventType.GROUP_MEMBERS_CHANGED: {
        const group = groups.get(r.entraId);
        if (!group) throw new Error(`members of an unknown group ${r.entraId} at ${r.seq}`);
        for (const id of r.members!.added) group.members.add(id);
        for (const id of r.members!.removed) group.members.delete(id);
        break;
      }
      default: {
        const unreachable: never = r.type;
        throw new Error(`unknown type ${String(unreachable)}`);
      }
    }
  }
  return { users, groups, records: [...records] };
}

/** The directory as stored, in the model's terms (managed groups only). */
export async function directoryModel(h: SyncHarness) {
  return directoryModelOf(h.engine.models, h.companyId);
}

/** The same, straight from the collections (e.g. of a hub process). */
export async function directoryModelOf(models: SyncModels, companyId: string) {
  const users = new Map<string, { status: string; email: string; displayName: string }>();
  for (const u of await models.DirectoryUser.find({ companyId }).lean()) {
    if (u.entraId) {
      users.set(u.entraId, { status: u.status, email: u.email, displayName: u.displayName });
    }
  }
  const groups = new Map<string, { name: string; members: string[] }>();
  for (const g of await models.DirectoryGroup.find({ companyId }).lean()) {
    if (!g.managedBy) continue;
    const edges = await models.DirectoryGroupMember.find(
      { _id: edgeRange(companyId, g.entraId), inScope: true },
      { _id: 1 },
    ).lean();
    const members = edges.map((e) => edgeOf(e._id).userId).sort();
    groups.set(g.entraId, { name: g.name, members });
  }
  return { users, groups };
}

/** The model without ids and with sorted members, comparable with `directoryModel`. */
export function comparable(model: FeedModel) {
  return {
    users: new Map(
      [...model.users].map(([k, v]) => [
        k,
        { status: v.status, email: v.email, displayName: v.displayName },
      ]),
    ),
    groups: new Map(
      [...model.groups].map(([k, v]) => [k, { name: v.name, members: [...v.members].sort() }]),
    ),
  };
}
