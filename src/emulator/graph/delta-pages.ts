import type { GroupRecord, UserRecord } from '../store/directory-types.js';
import type { TenantDirectory } from '../store/tenant-directory.js';
import type { DeltaCursor, DeltaState } from './delta-token.js';
import {
  DEFAULT_GROUP_PROPERTIES,
  DEFAULT_USER_PROPERTIES,
  ODATA_TYPE,
  serializeGroup,
  serializeUser,
} from './serialize.js';

/**
 * How one delta request reads its round. `minimal` is `Prefer: return=minimal`: on an
 * incremental round an object that changed carries only the properties that changed (and `id`)
 * instead of every tracked property (https://learn.microsoft.com/en-us/graph/api/user-delta,
 * "Alternative: return only the changed properties"; the header may be added to any request of
 * a round, so it is read per request, not baked into the token).
 */
export interface DeltaRead {
  state: DeltaState;
  minimal: boolean;
}

export interface DeltaPage {
  value: Record<string, unknown>[];
  /** Where the next page starts; null: the round is complete (deltaLink). */
  next: DeltaCursor | null;
}

/** Rows examined per page at most: a sparse incremental round yields empty pages, as Graph's. */
const SCAN_BUDGET = 50_000;

const removed = (id: string, reason: 'changed' | 'deleted') => ({ id, '@removed': { reason } });

/**
 * Users: a full round lists active users in creation order; an incremental round lists users
 * changed after `since` (created, restored, a tracked property changed) and removals, `changed`
 * for a soft delete (restorable) and `deleted` for a permanent one, also in creation order. It
 * reads only the users changed since (the directory's change log), so its cost follows the
 * changes, not the tenant.
 */
export function usersDeltaPage(directory: TenantDirectory, read: DeltaRead): DeltaPage {
  const { state } = read;
  const ids = state.ids ? new Set(state.ids) : null;
  const value: Record<string, unknown>[] = [];
  let scanned = 0;
  let lastOrd = state.cur?.o ?? 0;
  const users =
    state.since === 0
      ? directory.users.after(lastOrd)
      : changedUsers(directory, state.since, lastOrd);
  for (const user of users) {
    if (value.length === state.ps || scanned === SCAN_BUDGET)
      return { value, next: { o: lastOrd, m: null } };
    scanned++;
    lastOrd = user.ord;
    if (ids && !ids.has(user.id)) continue;
    const entry = state.since === 0 ? fullUser(user, state) : changedUser(user, read);
    if (entry) value.push(entry);
  }
  return { value, next: null };
}

/** The users changed after sequence `since` (created, changed or removed), in `ord` order. */
function changedUsers(directory: TenantDirectory, since: number, afterOrd: number): UserRecord[] {
  return [...directory.userChanges.idsSince(since)]
    .map((id) => directory.users.get(id)!)
    .filter((user) => user.ord > afterOrd)
    .sort((a, b) => a.ord - b.ord);
}

function fullUser(user: UserRecord, state: DeltaState) {
  return user.state === 'active'
    ? serializeUser(user, { select: state.sel, withType: false })
    : null;
}

function changedUser(user: UserRecord, { state, minimal }: DeltaRead) {
  if (user.lastSeq <= state.since) return null;
  if (user.state === 'deleted')
    return user.stateSeq > state.since ? removed(user.id, 'deleted') : null;
  if (user.state === 'softDeleted')
    return user.stateSeq > state.since ? removed(user.id, 'changed') : null;
  const fresh = user.ord > state.since || user.stateSeq > state.since;
  if (!fresh && !propertyChanged(user.propSeq, state)) return null;
  const select =
    minimal && !fresh ? changedOnly(user.propSeq, state, DEFAULT_USER_PROPERTIES) : state.sel;
  return serializeUser(user, { select, withType: false });
}

/** The returned properties (`$select`ed, else the default set) that changed in this round. */
function changedOnly(
  propSeq: Partial<Record<string, number>>,
  state: DeltaState,
  defaults: readonly string[],
): string[] {
  return (state.sel ?? defaults).filter((property) => (propSeq[property] ?? 0) > state.since);
}

/**
 * Groups: like users, plus `members@delta` when membership is tracked. A group's members are
 * chunked (`deltaMembersPerPage`): a large group fills a page and the next page repeats the group
 * with the next chunk, which is exactly what Graph documents and clients must merge.
 */
export function groupsDeltaPage(
  directory: TenantDirectory,
  read: DeltaRead,
  membersPerPage: number,
): DeltaPage {
  const { state } = read;
  const ids = state.ids ? new Set(state.ids) : null;
  const value: Record<string, unknown>[] = [];
  let members = 0;
  let scanned = 0;
  const resume = state.cur;
  // A group interrupted mid-members is served again first (its ord, not after it).
  let lastOrd = resume ? (resume.m === null ? resume.o : resume.o - 1) : 0;
  for (const group of directory.groups.after(lastOrd)) {
    const full = value.length === state.ps || members >= membersPerPage || scanned === SCAN_BUDGET;
    if (full) return { value, next: { o: lastOrd, m: null } };
    scanned++;
    lastOrd = group.ord;
    if (ids && !ids.has(group.id)) continue;
    const plan = state.since === 0 ? fullGroup(group) : changedGroup(group, state);
    if (plan === null) continue;
    if (plan.kind === 'removed') {
      value.push(removed(group.id, plan.reason));
      continue;
    }
    const select =
      read.minimal && plan.fresh === false
        ? changedOnly(group.propSeq, state, DEFAULT_GROUP_PROPERTIES)
        : state.sel;
    const entry = serializeGroup(group, { select, withType: false });
    value.push(entry);
    if (!state.mem) continue;
    const after = resume && resume.m !== null && resume.o === group.ord ? resume.m : -1;
    const chunk: Record<string, unknown>[] = [];
    let lastSeq = after;
    for (const change of memberChanges(directory, group, plan.membersSince)) {
      if (change.seq <= after) continue;
      if (members === membersPerPage) {
        entry['members@delta'] = chunk;
        return { value, next: { o: group.ord, m: lastSeq } };
      }
      const type = ODATA_TYPE[directory.object(change.id)?.type ?? 'user'];
      chunk.push(
        change.removed
          ? { '@odata.type': type, id: change.id, '@removed': { reason: 'deleted' } }
          : { '@odata.type': type, id: change.id },
      );
      lastSeq = change.seq;
      members++;
    }
    if (chunk.length > 0) entry['members@delta'] = chunk;
  }
  return { value, next: null };
}

type GroupPlan =
  | { kind: 'removed'; reason: 'changed' | 'deleted' }
  | { kind: 'emit'; membersSince: number; fresh: boolean };

function fullGroup(group: GroupRecord): GroupPlan | null {
  return group.state === 'active' ? { kind: 'emit', membersSince: 0, fresh: true } : null;
}

function changedGroup(group: GroupRecord, state: DeltaState): GroupPlan | null {
  if (group.lastSeq <= state.since) return null;
  if (group.state !== 'active') {
    if (group.stateSeq <= state.since) return null;
    return { kind: 'removed', reason: group.state === 'deleted' ? 'deleted' : 'changed' };
  }
  const fresh = group.ord > state.since || group.stateSeq > state.since;
  // A new or restored group reports its whole membership, not only recent changes.
  if (fresh) return { kind: 'emit', membersSince: 0, fresh: true };
  const membersChanged = state.mem && group.memberSeq > state.since;
  if (!membersChanged && !propertyChanged(group.propSeq, state)) return null;
  return { kind: 'emit', membersSince: state.since, fresh: false };
}

function propertyChanged(propSeq: Partial<Record<string, number>>, state: DeltaState): boolean {
  const tracked = state.sel ?? Object.keys(propSeq);
  return tracked.some((property) => (propSeq[property] ?? 0) > state.since);
}

interface MemberChange {
  id: string;
  seq: number;
  removed: boolean;
}

/**
 * Additions after `since` and removals after `since`, merged in sequence order so a chunk
 * cursor (the last sequence served) resumes exactly. Membership maps iterate in sequence order.
 */
function* memberChanges(
  directory: TenantDirectory,
  group: GroupRecord,
  since: number,
): Generator<MemberChange> {
  const added = directory.memberships.membersOf(group.id).entries();
  const gone =
    since === 0 ? [][Symbol.iterator]() : directory.memberships.removedFrom(group.id).entries();
  const nextOf = (iterator: Iterator<[string, number]>) => {
    for (let item = iterator.next(); !item.done; item = iterator.next()) {
      if (item.value[1] > since) return item.value;
    }
    return null;
  };
  let a = nextOf(added);
  let r = nextOf(gone);
  while (a || r) {
    if (a && (!r || a[1] < r[1])) {
      yield { id: a[0], seq: a[1], removed: false };
      a = nextOf(added);
    } else if (r) {
      yield { id: r[0], seq: r[1], removed: true };
      r = nextOf(gone);
    }
  }
}
