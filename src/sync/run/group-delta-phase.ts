import type { SelectedGroupState } from '../../db/models/sync-state.model.js';
import type { GroupDelta } from '../../integrations/entra/delta-reader.js';
import { emptyTally, tallyMember, type GroupTally } from '../plan/group-planner.js';
import { inScopeNow } from '../plan/user-planner.js';
import { edgeKey, type EdgeRef, type Membership } from '../state/membership-store.js';
import { membersBefore, planAndApply, type GroupsBefore } from './group-phase.js';
import type { MemberChange, MemberGroup, RunContext } from './run-context.js';

/**
 * A delta round's pass over the selected groups: the users whose scope flipped carry their
 * memberships with them, then each group's reported additions and removals. The stored edges
 * the round names are read in one pass and every group's edge writes (with their feed events)
 * go out together, so the cost follows the number of changed edges, not of groups.
 * Returns the groups' new state entries.
 */
export async function applyGroupDeltas(
  ctx: RunContext,
  deltas: readonly GroupDelta[],
  flips: ReadonlyMap<string, boolean>,
  before: GroupsBefore,
): Promise<SelectedGroupState[]> {
  const pass = new GroupDeltaPass(ctx, flips, before);
  await pass.flipScopes();
  const live = deltas.filter((delta) => !delta.removed);
  const stored = await pass.storedEdges(live);
  const users = await pass.unknownUsers(live, stored);
  for (const delta of deltas) pass.apply(delta, stored, users);
  return pass.finish();
}

class GroupDeltaPass {
  private readonly entries: Map<string, SelectedGroupState>;
  private readonly tallies = new Map<string, GroupTally>();
  /** Released groups keep the members they had: only selected groups follow the scope. */
  private readonly selected: ReadonlySet<string>;
  private readonly inserts: Membership[] = [];
  private readonly removals: EdgeRef[] = [];
  private readonly scopeOn: EdgeRef[] = [];
  private readonly scopeOff: EdgeRef[] = [];
  private readonly changes: MemberChange[] = [];

  constructor(
    private readonly ctx: RunContext,
    private readonly flips: ReadonlyMap<string, boolean>,
    private readonly before: GroupsBefore,
  ) {
    this.entries = new Map([...before.previous.values()].map((entry) => [entry.id, { ...entry }]));
    this.selected = new Set(ctx.config.syncedGroupIds);
  }

  /** The edges of the users whose scope flipped take their new scope. */
  async flipScopes(): Promise<void> {
    if (this.flips.size === 0) return;
    const moved = new Map<string, Record<'on' | 'off', string[]>>();
    for (const edge of await this.ctx.memberships.edgesOfUsers([...this.flips.keys()])) {
      const member = this.flips.get(edge.userId)!;
      if (edge.inScope === member || !this.selected.has(edge.groupId)) continue;
      const lists = moved.get(edge.groupId) ?? { on: [], off: [] };
      lists[member ? 'on' : 'off'].push(edge.userId);
      moved.set(edge.groupId, lists);
      tallyMember(this.tallyOf(edge.groupId), edge.userId, member);
      (member ? this.scopeOn : this.scopeOff).push(edge);
    }
    for (const [groupId, lists] of moved) {
      this.changes.push({ group: this.groupOf(groupId), added: lists.on, removed: lists.off });
    }
  }

  /**
   * The stored edges the round's groups report added or dropped, in one read, as they stand
   * once the scope flips are applied (a flipped user's edges in selected groups take its scope).
   */
  async storedEdges(deltas: readonly GroupDelta[]): Promise<Map<string, boolean>> {
    const refs: EdgeRef[] = [];
    for (const delta of deltas) {
      for (const userId of delta.added) refs.push({ groupId: delta.id, userId });
      for (const userId of delta.dropped) refs.push({ groupId: delta.id, userId });
    }
    const stored = await this.ctx.memberships.find(refs);
    for (const { groupId, userId } of refs) {
      const key = edgeKey(groupId, userId);
      const flipped = this.flips.get(userId);
      if (flipped !== undefined && stored.has(key) && this.selected.has(groupId)) {
        stored.set(key, flipped);
      }
    }
    return stored;
  }

  /** The directory users among new members whose scope the round did not decide. */
  unknownUsers(deltas: readonly GroupDelta[], stored: ReadonlyMap<string, boolean>) {
    const unknown = new Set<string>();
    for (const delta of deltas) {
      for (const userId of delta.added) {
        if (!stored.has(edgeKey(delta.id, userId)) && !this.flips.has(userId)) unknown.add(userId);
      }
    }
    return this.ctx.directory.usersByEntraId([...unknown]);
  }

  /** One group's reported changes: new edges, dropped edges, and who entered or left scope. */
  apply(
    delta: GroupDelta,
    stored: ReadonlyMap<string, boolean>,
    users: Awaited<ReturnType<GroupDeltaPass['unknownUsers']>>,
  ): void {
    const tally = this.tallyOf(delta.id);
    const entry = this.entries.get(delta.id) ?? {
      id: delta.id,
      name: tally.name,
      edges: 0,
      members: 0,
    };
    if (delta.name !== null) tally.name = delta.name;
    if (delta.removed) {
      tally.gone = true;
      this.entries.delete(delta.id);
      return;
    }
    const joined: string[] = [];
    for (const userId of delta.added) {
      if (stored.has(edgeKey(delta.id, userId))) continue;
      const user = users.get(userId);
      const inScope =
        this.flips.get(userId) ?? (user ? inScopeNow(user, this.ctx.config.connectorId) : false);
      if (inScope) {
        tallyMember(tally, userId, true);
        joined.push(userId);
      }
      this.inserts.push({ groupId: delta.id, userId, inScope });
      entry.edges += 1;
    }
    const left: string[] = [];
    for (const userId of delta.dropped) {
      const inScope = stored.get(edgeKey(delta.id, userId));
      if (inScope === undefined) continue;
      if (inScope) {
        tallyMember(tally, userId, false);
        left.push(userId);
      }
      this.removals.push({ groupId: delta.id, userId });
      entry.edges -= 1;
    }
    if (joined.length + left.length > 0) {
      this.changes.push({ group: this.groupOf(delta.id), added: joined, removed: left });
    }
    this.entries.set(delta.id, entry);
  }

  /** Every edge write with its feed events, then the groups' own changes; the new entries. */
  async finish(): Promise<SelectedGroupState[]> {
    const { memberships } = this.ctx;
    await this.ctx.memberWritesOf(this.changes, async () => {
      await memberships.setScopeAll(this.scopeOn, true);
      await memberships.setScopeAll(this.scopeOff, false);
      await memberships.insertAll(this.inserts);
      await memberships.removeAll(this.removals);
    });
    for (const tally of this.tallies.values()) {
      const entry = this.entries.get(tally.id);
      if (!entry) continue;
      entry.name = tally.name;
      entry.members = tally.membersAfter;
    }
    await planAndApply(this.ctx, [...this.tallies.values()], this.before.existing, []);
    return [...this.entries.values()];
  }

  private tallyOf(id: string): GroupTally {
    let tally = this.tallies.get(id);
    if (!tally) {
      tally = emptyTally(id, this.entries.get(id)?.name ?? id, membersBefore(id, this.before));
      this.tallies.set(id, tally);
    }
    return tally;
  }

  private groupOf(id: string): MemberGroup {
    return { entraId: id, name: this.tallyOf(id).name, existing: this.before.existing.get(id) };
  }
}
