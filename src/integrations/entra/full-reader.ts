import { AppError, ErrorCode } from '../../domain/errors.js';
import type { EntraUser } from '../../domain/entra.js';
import type { GraphReader } from './graph-reader.js';
import { isNotFound } from './graph-reader.js';
import { USER_SELECT, isUser, toEntraUser } from './entra-user.js';

/** The sync group is gone or unreadable: the admin must select another one. */
export class SyncGroupGoneError extends AppError {
  constructor() {
    super(
      ErrorCode.NOT_FOUND,
      'The sync group no longer exists in Entra (deleted?). Select a sync group again; no user was disabled or deleted.',
    );
  }
}

export interface GroupNames {
  names: Map<string, string>;
  /** Selected groups that no longer exist in Entra. */
  gone: Set<string>;
  /** Selected groups whose names could not be read this time, with the reason. */
  failed: Map<string, string>;
}

/** Graph's `$filter=id in (...)` takes at most 15 ids. */
const IDS_PER_FILTER = 15;

/**
 * Whole listings of the sync group and of the selected groups, a page at a time: nothing here
 * holds more than one Graph page, so a full sync's memory does not grow with the tenant.
 */
export class FullReader {
  constructor(
    private readonly graph: GraphReader,
    private readonly nested: boolean,
    /** `$top` of member listings (Graph's maximum by default; tests use small pages). */
    private readonly pageSize = 999,
  ) {}

  /** The sync group's name; SyncGroupGoneError when it no longer exists. */
  async syncGroupName(syncGroupId: string): Promise<string> {
    try {
      const group = (await this.graph.get(
        `/groups/${syncGroupId}?$select=id,displayName`,
        'read the sync group',
      )) as { displayName?: string };
      return group.displayName ?? syncGroupId;
    } catch (error) {
      if (isNotFound(error)) throw new SyncGroupGoneError();
      throw error;
    }
  }

  /** The sync group's users (direct, or transitive with includeNestedGroups), page by page. */
  async *scopePages(syncGroupId: string): AsyncGenerator<EntraUser[]> {
    const url = `/groups/${syncGroupId}/${this.relation()}/microsoft.graph.user?$select=${USER_SELECT}&$top=${this.pageSize}`;
    try {
      for await (const page of this.graph.pages(url, 'list the sync group members')) {
        yield page.value.filter(isUser).map(toEntraUser);
      }
    } catch (error) {
      if (isNotFound(error)) throw new SyncGroupGoneError();
      throw error;
    }
  }

  async groupNames(groupIds: readonly string[]): Promise<GroupNames> {
    const result: GroupNames = { names: new Map(), gone: new Set(), failed: new Map() };
    for (let i = 0; i < groupIds.length; i += IDS_PER_FILTER) {
      const chunk = groupIds.slice(i, i + IDS_PER_FILTER);
      const filter = `id in (${chunk.map((id) => `'${id}'`).join(',')})`;
      try {
        for await (const page of this.graph.pages(
          `/groups?$filter=${encodeURIComponent(filter)}&$select=id,displayName`,
          'read the selected groups',
        )) {
          for (const raw of page.value) {
            const name = typeof raw['displayName'] === 'string' ? raw['displayName'] : '';
            result.names.set(String(raw['id']), name);
          }
        }
        for (const id of chunk) if (!result.names.has(id)) result.gone.add(id);
      } catch (error) {
        rethrowAuth(error);
        for (const id of chunk) result.failed.set(id, messageOf(error));
      }
    }
    return result;
  }

  /** A selected group's user members, as ids, page by page (NOT_FOUND when it is gone). */
  async *memberPages(groupId: string): AsyncGenerator<string[]> {
    const url = `/groups/${groupId}/${this.relation()}/microsoft.graph.user?$select=id&$top=${this.pageSize}`;
    for await (const page of this.graph.pages(url, 'list a selected group')) {
      yield page.value.filter(isUser).map((raw) => String(raw['id']));
    }
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

  private relation(): string {
    return this.nested ? 'transitiveMembers' : 'members';
  }
}

export function rethrowAuth(error: unknown): void {
  if (error instanceof AppError && error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) throw error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
