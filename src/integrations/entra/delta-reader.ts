import type { GraphReader } from './graph-reader.js';
import { USER_SELECT } from './entra-user.js';

/** Graph's `$filter=id eq ... or ...` on delta takes at most this many ids. */
const MAX_FILTER_IDS = 50;
/** Delta pages as large as Graph makes them. */
const PREFER_PAGES = { Prefer: 'odata.maxpagesize=999' };

export interface GroupDelta {
  id: string;
  /** Present when the name was sent (new group or renamed). */
  name: string | null;
  removed: boolean;
  added: Set<string>;
  /** Members whose removal was reported. */
  dropped: Set<string>;
}

export interface UserDelta {
  id: string;
  /** The user's properties; null when `@removed` (soft or hard delete). */
  raw: Record<string, unknown> | null;
}

export interface DeltaRound {
  groups: Map<string, GroupDelta>;
  users: Map<string, UserDelta>;
  groupsDeltaLink: string;
  usersDeltaLink: string;
}

/**
 * `/groups/delta` and `/users/delta` for one connector. Groups: filtered by id when the sync group
 * and the selected groups fit in one filter (50 ids), otherwise the whole tenant's groups with the
 * foreign ones ignored, so there is always exactly one groups link: an idle round is two requests.
 */
export class DeltaReader {
  constructor(private readonly graph: GraphReader) {}

  static groupsQuery(groupIds: readonly string[]): string {
    const base = '/groups/delta?$select=displayName,members';
    if (groupIds.length > MAX_FILTER_IDS) return base;
    const filter = groupIds.map((id) => `id eq '${id}'`).join(' or ');
    return `${base}&$filter=${encodeURIComponent(filter)}`;
  }

  static usersQuery(): string {
    return `/users/delta?$select=${USER_SELECT}`;
  }

  /** Links that start "now", without listing anything (taken before a full read). */
  async latestLinks(groupIds: readonly string[]): Promise<{ users: string; groups: string }> {
    const groups = await this.graph.page(
      `${DeltaReader.groupsQuery(groupIds)}&$deltatoken=latest`,
      'start group delta tracking',
    );
    const users = await this.graph.page(
      `${DeltaReader.usersQuery()}&$deltatoken=latest`,
      'start user delta tracking',
    );
    if (!groups.deltaLink || !users.deltaLink) throw new Error('Graph returned no deltaLink');
    return { users: users.deltaLink, groups: groups.deltaLink };
  }

  /**
   * Follows both links to their new deltaLinks, the two at once (they are independent); throws
   * DeltaResetError when a link is dead.
   */
  async round(
    links: { users: string; groups: string },
    groupIds: ReadonlySet<string>,
  ): Promise<DeltaRound> {
    const [groupPart, userPart] = await Promise.all([
      this.groupChanges(links.groups, groupIds),
      this.userChanges(links.users),
    ]);
    if (!groupPart.deltaLink || !userPart.deltaLink)
      throw new Error('Graph ended a delta round without a deltaLink');
    return {
      groups: groupPart.groups,
      users: userPart.users,
      groupsDeltaLink: groupPart.deltaLink,
      usersDeltaLink: userPart.deltaLink,
    };
  }

  private async groupChanges(link: string, groupIds: ReadonlySet<string>) {
    const groups = new Map<string, GroupDelta>();
    let deltaLink: string | null = null;
    for await (const page of this.graph.pages(link, 'read group changes', PREFER_PAGES)) {
      for (const raw of page.value) {
        const id = String(raw['id']);
        if (!groupIds.has(id)) continue;
        let entry = groups.get(id);
        if (!entry) {
          entry = { id, name: null, removed: false, added: new Set(), dropped: new Set() };
          groups.set(id, entry);
        }
        if (raw['@removed']) {
          entry.removed = true;
          continue;
        }
        if (typeof raw['displayName'] === 'string') entry.name = raw['displayName'];
        const members = raw['members@delta'];
        if (!Array.isArray(members)) continue;
        // One group can span pages, each with a chunk of members@delta: merge them.
        for (const member of members as Record<string, unknown>[]) {
          const type = member['@odata.type'];
          if (type !== undefined && type !== '#microsoft.graph.user') continue;
          const memberId = String(member['id']);
          if (member['@removed']) {
            entry.added.delete(memberId);
            entry.dropped.add(memberId);
          } else {
            entry.dropped.delete(memberId);
            entry.added.add(memberId);
          }
        }
      }
      if (page.deltaLink) deltaLink = page.deltaLink;
    }
    return { groups, deltaLink };
  }

  private async userChanges(link: string) {
    const users = new Map<string, UserDelta>();
    let deltaLink: string | null = null;
    for await (const page of this.graph.pages(link, 'read user changes', PREFER_PAGES)) {
      for (const raw of page.value) {
        const id = String(raw['id']);
        users.set(id, { id, raw: raw['@removed'] ? null : raw });
      }
      if (page.deltaLink) deltaLink = page.deltaLink;
    }
    return { users, deltaLink };
  }
}
