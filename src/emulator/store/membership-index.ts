/**
 * Group memberships: group -> member -> sequence of the addition (insertion order is therefore
 * sequence order, which gives member listings a stable cursor), a reverse index member -> groups,
 * and per-group tombstones (member -> sequence of the removal) for `members@delta` removals.
 */
export class MembershipIndex {
  private readonly members = new Map<string, Map<string, number>>();
  private readonly removed = new Map<string, Map<string, number>>();
  private readonly memberOf = new Map<string, Set<string>>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  has(groupId: string, memberId: string): boolean {
    return this.members.get(groupId)?.has(memberId) ?? false;
  }

  /** Adds a membership stamped `seq`; false when it already existed. */
  add(groupId: string, memberId: string, seq: number): boolean {
    let members = this.members.get(groupId);
    if (!members) this.members.set(groupId, (members = new Map<string, number>()));
    if (members.has(memberId)) return false;
    members.set(memberId, seq);
    this.removed.get(groupId)?.delete(memberId);
    let groups = this.memberOf.get(memberId);
    if (!groups) this.memberOf.set(memberId, (groups = new Set()));
    groups.add(groupId);
    this.total++;
    return true;
  }

  /** Removes a membership and leaves a tombstone stamped `seq`; false when it did not exist. */
  remove(groupId: string, memberId: string, seq: number): boolean {
    const members = this.members.get(groupId);
    if (!members?.delete(memberId)) return false;
    let tombstones = this.removed.get(groupId);
    if (!tombstones) this.removed.set(groupId, (tombstones = new Map<string, number>()));
    tombstones.set(memberId, seq);
    const groups = this.memberOf.get(memberId);
    groups?.delete(groupId);
    if (groups?.size === 0) this.memberOf.delete(memberId);
    this.total--;
    return true;
  }

  membersOf(groupId: string): ReadonlyMap<string, number> {
    return this.members.get(groupId) ?? EMPTY_MAP;
  }

  removedFrom(groupId: string): ReadonlyMap<string, number> {
    return this.removed.get(groupId) ?? EMPTY_MAP;
  }

  groupsOf(memberId: string): ReadonlySet<string> {
    return this.memberOf.get(memberId) ?? EMPTY_SET;
  }

  /** Forgets a group that is gone for good, returning the ids of its former members. */
  dropGroup(groupId: string): string[] {
    const members = [...this.membersOf(groupId).keys()];
    for (const memberId of members) {
      const groups = this.memberOf.get(memberId);
      groups?.delete(groupId);
      if (groups?.size === 0) this.memberOf.delete(memberId);
    }
    this.total -= members.length;
    this.members.delete(groupId);
    this.removed.delete(groupId);
    return members;
  }

  clear(): void {
    this.members.clear();
    this.removed.clear();
    this.memberOf.clear();
    this.total = 0;
  }
}

const EMPTY_MAP: ReadonlyMap<string, number> = new Map();
const EMPTY_SET: ReadonlySet<string> = new Set();
