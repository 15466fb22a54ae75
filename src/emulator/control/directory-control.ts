import type { EmulatorContext } from '../emulator-context.js';
import type { GroupData, OtherObjectType, UserData } from '../store/directory-types.js';
import type { GroupInput, UserInput } from '../store/directory-records.js';
import { ControlErrorCode, EmulatorError } from '../util/errors.js';
import { groupView, userView, type GroupView, type UserView } from './views.js';

/** The control surface's directory half: users, groups, memberships, other member types. */
export class DirectoryControl {
  constructor(protected readonly ctx: EmulatorContext) {}

  // ---- users ----

  createUser(tenantId: string, input: UserInput): UserView {
    return userView(this.directory(tenantId).createUser(input));
  }

  getUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).requireUser(userId, ['active', 'softDeleted']));
  }

  listUsers(tenantId: string): UserView[] {
    const out: UserView[] = [];
    for (const user of this.directory(tenantId).users.after(0)) {
      if (user.state !== 'deleted') out.push(userView(user));
    }
    return out;
  }

  updateUser(tenantId: string, userId: string, patch: Partial<UserData>): UserView {
    return userView(this.directory(tenantId).updateUser(userId, patch));
  }

  disableUser(tenantId: string, userId: string): UserView {
    return this.updateUser(tenantId, userId, { accountEnabled: false });
  }

  enableUser(tenantId: string, userId: string): UserView {
    return this.updateUser(tenantId, userId, { accountEnabled: true });
  }

  softDeleteUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).softDeleteUser(userId));
  }

  restoreUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).restoreUser(userId));
  }

  hardDeleteUser(tenantId: string, userId: string): void {
    this.directory(tenantId).hardDeleteUser(userId);
  }

  // ---- groups and members ----

  createGroup(tenantId: string, input: GroupInput): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.createGroup(input);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  getGroup(tenantId: string, groupId: string): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.requireGroup(groupId, ['active', 'softDeleted']);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  updateGroup(tenantId: string, groupId: string, patch: Partial<GroupData>): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.updateGroup(groupId, patch);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  deleteGroup(tenantId: string, groupId: string, options: { soft?: boolean } = {}): void {
    this.directory(tenantId).deleteGroup(groupId, options.soft ?? false);
  }

  restoreGroup(tenantId: string, groupId: string): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.restoreGroup(groupId);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  /** Adds users, groups, devices or service principals; returns how many were new. */
  addMembers(tenantId: string, groupId: string, memberIds: string[]): number {
    const directory = this.directory(tenantId);
    directory.requireGroup(groupId);
    for (const id of memberIds) if (!directory.object(id)) directory.requireUser(id);
    return memberIds.filter((id) => directory.addMember(groupId, id)).length;
  }

  removeMember(tenantId: string, groupId: string, memberId: string): void {
    if (!this.directory(tenantId).removeMember(groupId, memberId)) {
      throw new EmulatorError(
        ControlErrorCode.NotFound,
        `'${memberId}' is not a member of '${groupId}'`,
      );
    }
  }

  /** A device, service principal or contact: a member type consumers must skip. */
  createDirectoryObject(
    tenantId: string,
    input: { type: OtherObjectType; displayName: string; externalId?: string },
  ): { id: string; type: OtherObjectType; displayName: string } {
    const record = this.directory(tenantId).createOther(
      input.type,
      input.displayName,
      input.externalId ?? null,
    );
    return { id: record.id, type: record.type, displayName: record.displayName };
  }

  protected directory(tenantId: string) {
    return this.ctx.registry.requireTenant(tenantId).directory;
  }
}
