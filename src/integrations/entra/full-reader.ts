import { AppError, ErrorCode } from '../../domain/errors.js';
import type { GraphReader } from './graph-reader.js';
import { isNotFound } from './graph-reader.js';
import { USER_SELECT, isUser, toEntraUser } from './entra-user.js';
import type { EntraUser, EntraGroupView } from '../../domain/entra.js';

export interface ScopeSnapshot {
  syncGroupName: string;
  /** Users of the sync group (direct, or transitive with includeNestedGroups), by id. */
  members: Map<string, EntraUser>;
  /** False when some page could not be read: then nothing may be deprovisioned. */
  complete: boolean;
  problem: string | null;
}

export interface GroupsSnapshot {
  groups: Map<string, EntraGroupView>;
  /** Selected groups that no longer exist in Entra. */
  goneIds: Set<string>;
  /** Selected groups that could not be read this time: left as they are. */
  failed: Map<string, string>;
}

/** The sync group is gone or unreadable: the admin must select another one. */
export class SyncGroupGoneError extends AppError {
  constructor() {
    super(
      ErrorCode.NOT_FOUND,
      'The sync group no longer exists in Entra (deleted?). Select a sync group again; no user was disabled or deleted.',
    );
  }
}

const IDS_PER_FILTER = 15;

export class FullReader {
  constructor(
    private readonly graph: GraphReader,
    private readonly nested: boolean,
    private readonly groupConcurrency: number,
    /** `$top` of member listings (Graph's maximum by default; tests use small pages). */
    private readonly pageSize = 999,
  ) {}

  async readScope(syncGroupId: string): Promise<ScopeSnapshot> {
    let syncGroupName: string;
    try {
      const group = (await this.graph.get(
        `/groups/${syncGroupId}?$select=id,displayName`,
        'read the sync group',
      )) as { displayName?: string };
      syncGroupName = group.displayName ?? syncGroupId;
    } catch (error) {
      if (isNotFound(error)) throw new SyncGroupGoneError();
      throw error;
    }
    const members = new Map<string, EntraUser>();
    const relation = this.nested ? 'transitiveMembers' : 'members';
    const url = `/groups/${syncGroupId}/${relation}/microsoft.graph.user?$select=${USER_SELECT}&$top=${this.pageSize}`;
    try {
      for await (const page of this.graph.pages(url, 'list the sync group members')) {
        for (const raw of page.value) {
          if (!isUser(raw)) continue;
          const user = toEntraUser(raw);
          members.set(user.id, user);
        }
      }
    } catch (error) {
      if (isNotFound(error)) throw new SyncGroupGoneError();
      if (error instanceof AppError && error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) throw error;
      return {
        syncGroupName,
        members,
        complete: false,
        problem: `Reading the sync group members failed after ${members.size} users (${messageOf(error)}): no user was disabled or deleted in this run.`,
      };
    }
    return { syncGroupName, members, complete: true, problem: null };
  }

  async readGroups(groupIds: readonly string[]): Promise<GroupsSnapshot> {
    const snapshot: GroupsSnapshot = { groups: new Map(), goneIds: new Set(), failed: new Map() };
    if (groupIds.length === 0) return snapshot;
    const names = new Map<string, string>();
    for (let i = 0; i < groupIds.length; i += IDS_PER_FILTER) {
      const chunk = groupIds.slice(i, i + IDS_PER_FILTER);
      const filter = `id in (${chunk.map((id) => `'${id}'`).join(',')})`;
      try {
        for await (const page of this.graph.pages(
          `/groups?$filter=${encodeURIComponent(filter)}&$select=id,displayName`,
          'read the selected groups',
        )) {
          for (const raw of page.value)
            names.set(
              String(raw['id']),
              typeof raw['displayName'] === 'string' ? raw['displayName'] : '',
            );
        }
        for (const id of chunk) if (!names.has(id)) snapshot.goneIds.add(id);
      } catch (error) {
        rethrowAuth(error);
        for (const id of chunk) snapshot.failed.set(id, messageOf(error));
      }
    }
    const relation = this.nested ? 'transitiveMembers' : 'members';
    const queue = [...names.keys()];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const memberIds: string[] = [];
        try {
          for await (const page of this.graph.pages(
            `/groups/${id}/${relation}/microsoft.graph.user?$select=id&$top=${this.pageSize}`,
            'list a selected group',
          )) {
            for (const raw of page.value) if (isUser(raw)) memberIds.push(String(raw['id']));
          }
          snapshot.groups.set(id, { id, name: names.get(id) ?? id, memberIds });
        } catch (error) {
          rethrowAuth(error);
          if (isNotFound(error)) snapshot.goneIds.add(id);
          else snapshot.failed.set(id, messageOf(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.groupConcurrency) }, worker));
    return snapshot;
  }

  /** Which of these users still exist in Entra (the rest were deleted); throws if unreadable. */
  async existingUsers(ids: readonly string[]): Promise<Map<string, EntraUser>> {
    const found = new Map<string, EntraUser>();
    for (let i = 0; i < ids.length; i += IDS_PER_FILTER) {
      const chunk = ids.slice(i, i + IDS_PER_FILTER);
      const filter = `id in (${chunk.map((id) => `'${id}'`).join(',')})`;
      for await (const page of this.graph.pages(
        `/users?$filter=${encodeURIComponent(filter)}&$select=${USER_SELECT}`,
        'look up users that left the sync group',
      )) {
        for (const raw of page.value) {
          const user = toEntraUser(raw);
          found.set(user.id, user);
        }
      }
    }
    return found;
  }
}

export function rethrowAuth(error: unknown): void {
  if (error instanceof AppError && error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) throw error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
