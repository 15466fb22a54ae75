import type { EmulatorClock } from '../clock.js';
import { ControlErrorCode, EmulatorError, notFound } from '../util/errors.js';
import { isGuid, newGuid } from '../util/guid.js';
import {
  changedKeys,
  freshTracking,
  newGroupData,
  newUserData,
  patched,
  type GroupInput,
  type UserInput,
} from './directory-records.js';
import type {
  DirectoryChange,
  GroupData,
  GroupProperty,
  GroupRecord,
  MemberRecord,
  OtherObjectRecord,
  OtherObjectType,
  UserData,
  UserProperty,
  UserRecord,
} from './directory-types.js';
import { ChangeLog } from './change-log.js';
import { MembershipIndex } from './membership-index.js';
import { OrderedTable } from './ordered-table.js';
import { UpnIndex } from './upn-index.js';

type Listener = (change: DirectoryChange) => void;

/**
 * One tenant's directory: users, groups, other member objects, memberships. Every mutation takes
 * the next sequence number and stamps it where delta needs it (see directory-types.ts), then
 * tells listeners (change notifications). Hard-deleted users and groups stay as `deleted`
 * tombstones so an incremental delta round can report `@removed: deleted`.
 */
export class TenantDirectory {
  readonly users = new OrderedTable<UserRecord>();
  readonly groups = new OrderedTable<GroupRecord>();
  readonly others = new Map<string, OtherObjectRecord>();
  readonly memberships = new MembershipIndex();
  private readonly upns = new UpnIndex();
  private readonly listeners = new Set<Listener>();
  /** Which users changed when: what an incremental users delta round reads. */
  readonly userChanges = new ChangeLog();
  private seq = 0;
  private activeUsers = 0;

  constructor(
    readonly tenantId: string,
    readonly defaultDomain: string,
    private readonly clock: EmulatorClock,
  ) {}

  get currentSeq(): number {
    return this.seq;
  }

  get activeUserCount(): number {
    return this.activeUsers;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- lookups (active objects only unless said otherwise) ----

  user(id: string): UserRecord | undefined {
    const user = this.users.get(id);
    return user?.state === 'active' ? user : undefined;
  }

  group(id: string): GroupRecord | undefined {
    const group = this.groups.get(id);
    return group?.state === 'active' ? group : undefined;
  }

  object(id: string): MemberRecord | undefined {
    return this.user(id) ?? this.group(id) ?? this.others.get(id);
  }

  requireUser(id: string, states: UserRecord['state'][] = ['active']): UserRecord {
    const user = this.users.get(id);
    if (!user || !states.includes(user.state)) throw notFound('user', id);
    return user;
  }

  requireGroup(id: string, states: GroupRecord['state'][] = ['active']): GroupRecord {
    const group = this.groups.get(id);
    if (!group || !states.includes(group.state)) throw notFound('group', id);
    return group;
  }

  // ---- users ----

  createUser(input: UserInput): UserRecord {
    const id = this.freshId(input.id);
    this.upns.claim(input.userPrincipalName, id);
    const seq = ++this.seq;
    const data = newUserData(input, this.isoNow());
    const user: UserRecord = { type: 'user', ...freshTracking(id, seq), data };
    this.users.insert(user);
    this.activeUsers++;
    this.emit({ resource: 'user', id, kind: 'updated', seq });
    return user;
  }

  updateUser(id: string, patch: Partial<UserData>): UserRecord {
    const user = this.requireUser(id);
    const changed = changedKeys(user.data, patch) as UserProperty[];
    if (changed.length === 0) return user;
    if (changed.includes('userPrincipalName')) {
      this.upns.rename(user.data.userPrincipalName, patch.userPrincipalName!, id);
    }
    const seq = ++this.seq;
    for (const key of changed) user.propSeq[key] = seq;
    user.data = patched(user.data, patch);
    user.lastSeq = seq;
    this.emit({ resource: 'user', id, kind: 'updated', seq });
    return user;
  }

  /** Soft delete: restorable for 30 days in Entra; memberships are suspended, not lost. */
  softDeleteUser(id: string): UserRecord {
    const user = this.requireUser(id);
    user.suspendedGroups = this.detachFromGroups(id);
    const seq = ++this.seq;
    user.state = 'softDeleted';
    user.stateSeq = user.lastSeq = seq;
    user.deletedAt = this.clock.now();
    this.activeUsers--;
    this.emit({ resource: 'user', id, kind: 'updated', seq });
    return user;
  }

  restoreUser(id: string): UserRecord {
    const user = this.requireUser(id, ['softDeleted']);
    const seq = ++this.seq;
    user.state = 'active';
    user.stateSeq = user.lastSeq = seq;
    delete user.deletedAt;
    this.activeUsers++;
    this.emit({ resource: 'user', id, kind: 'updated', seq });
    for (const groupId of user.suspendedGroups ?? []) {
      if (this.group(groupId)) this.addMember(groupId, id);
    }
    delete user.suspendedGroups;
    return user;
  }

  /** Permanent deletion, from active or soft-deleted state. */
  hardDeleteUser(id: string): void {
    const user = this.requireUser(id, ['active', 'softDeleted']);
    if (user.state === 'active') {
      this.detachFromGroups(id);
      this.activeUsers--;
    }
    const seq = ++this.seq;
    user.state = 'deleted';
    user.stateSeq = user.lastSeq = seq;
    user.deletedAt = this.clock.now();
    delete user.suspendedGroups;
    this.upns.release(user.data.userPrincipalName);
    this.emit({ resource: 'user', id, kind: 'deleted', seq });
  }

  // ---- groups ----

  createGroup(input: GroupInput): GroupRecord {
    const id = this.freshId(input.id);
    const seq = ++this.seq;
    const data = newGroupData(input, this.isoNow(), this.defaultDomain);
    const group: GroupRecord = { type: 'group', ...freshTracking(id, seq), memberSeq: 0, data };
    this.groups.insert(group);
    this.emit({ resource: 'group', id, kind: 'updated', seq, membership: false });
    return group;
  }

  updateGroup(id: string, patch: Partial<GroupData>): GroupRecord {
    const group = this.requireGroup(id);
    const changed = changedKeys(group.data, patch) as GroupProperty[];
    if (changed.length === 0) return group;
    const seq = ++this.seq;
    for (const key of changed) group.propSeq[key] = seq;
    group.data = patched(group.data, patch);
    group.lastSeq = seq;
    this.emit({ resource: 'group', id, kind: 'updated', seq, membership: false });
    return group;
  }

  /**
   * Security groups are deleted permanently in Entra; Microsoft 365 groups go to the recycle bin
   * first. `soft` picks the latter behaviour for any group.
   */
  deleteGroup(id: string, soft = false): void {
    const group = this.requireGroup(id, soft ? ['active'] : ['active', 'softDeleted']);
    if (group.state === 'active') group.suspendedGroups = this.detachFromGroups(id);
    const seq = ++this.seq;
    group.stateSeq = group.lastSeq = seq;
    group.deletedAt = this.clock.now();
    if (soft) {
      group.state = 'softDeleted';
      this.emit({ resource: 'group', id, kind: 'updated', seq, membership: false });
      return;
    }
    group.state = 'deleted';
    delete group.suspendedGroups;
    this.memberships.dropGroup(id);
    this.emit({ resource: 'group', id, kind: 'deleted', seq, membership: false });
  }

  restoreGroup(id: string): GroupRecord {
    const group = this.requireGroup(id, ['softDeleted']);
    const seq = ++this.seq;
    group.state = 'active';
    group.stateSeq = group.lastSeq = seq;
    delete group.deletedAt;
    this.emit({ resource: 'group', id, kind: 'updated', seq, membership: false });
    for (const parentId of group.suspendedGroups ?? []) {
      if (this.group(parentId)) this.addMember(parentId, id);
    }
    delete group.suspendedGroups;
    return group;
  }

  // ---- memberships ----

  addMember(groupId: string, memberId: string): boolean {
    const group = this.requireGroup(groupId);
    if (!this.object(memberId)) throw notFound('directory object', memberId);
    if (memberId === groupId) {
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'a group cannot contain itself');
    }
    if (this.memberships.has(groupId, memberId)) return false;
    const seq = ++this.seq;
    this.memberships.add(groupId, memberId, seq);
    group.memberSeq = group.lastSeq = seq;
    this.emit({ resource: 'group', id: groupId, kind: 'updated', seq, membership: true });
    return true;
  }

  removeMember(groupId: string, memberId: string): boolean {
    const group = this.requireGroup(groupId);
    if (!this.memberships.has(groupId, memberId)) return false;
    const seq = ++this.seq;
    this.memberships.remove(groupId, memberId, seq);
    group.memberSeq = group.lastSeq = seq;
    this.emit({ resource: 'group', id: groupId, kind: 'updated', seq, membership: true });
    return true;
  }

  // ---- other member types ----

  createOther(type: OtherObjectType, displayName: string, externalId: string | null = null) {
    const record: OtherObjectRecord = {
      type,
      id: this.freshId(undefined),
      ord: ++this.seq,
      displayName,
      externalId,
    };
    this.others.set(record.id, record);
    return record;
  }

  // ---- helpers ----

  private detachFromGroups(memberId: string): string[] {
    const groupIds = [...this.memberships.groupsOf(memberId)];
    for (const groupId of groupIds) this.removeMember(groupId, memberId);
    return groupIds;
  }

  private freshId(requested: string | undefined): string {
    if (requested === undefined) return newGuid();
    if (!isGuid(requested)) {
      throw new EmulatorError(ControlErrorCode.InvalidRequest, `id '${requested}' is not a GUID`);
    }
    const id = requested.toLowerCase();
    if (this.users.get(id) ?? this.groups.get(id) ?? this.others.get(id)) {
      throw new EmulatorError(ControlErrorCode.Conflict, `object '${id}' already exists`);
    }
    return id;
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private emit(change: DirectoryChange): void {
    if (change.resource === 'user') this.userChanges.record(change.seq, change.id);
    for (const listener of this.listeners) listener(change);
  }
}
