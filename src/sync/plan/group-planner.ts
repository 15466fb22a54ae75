import { ChangeAction, ChangeObjectType } from '../../domain/change.js';
import { ManagedBy } from '../../domain/directory.js';
import type { PlannedChange } from './plan.types.js';

/** Member ids a group change lists in the log; the counts beside them are always exact. */
export const MEMBER_SAMPLE = 100;

/** What one run did to a selected group's memberships, counted edge by edge. */
export interface GroupTally {
  /** The Entra group id. */
  id: string;
  /** The group's name as Entra has it now. */
  name: string;
  /** Members in scope before and after the run. */
  membersBefore: number;
  membersAfter: number;
  added: number;
  removed: number;
  /** The first MEMBER_SAMPLE ids added and removed. */
  addedSample: string[];
  removedSample: string[];
  /** Deselected, or deleted in Entra: the directory group is released. */
  gone: boolean;
}

/** The directory group of a selected Entra group, as the planner needs it. */
export interface ExistingGroup {
  /** The directory's own id (hex). */
  id: string;
  entraId: string;
  name: string;
  memberCount: number;
  managedBy: ManagedBy | null;
  connectorId: string | null;
}

export function emptyTally(id: string, name: string, members: number): GroupTally {
  return {
    id,
    name,
    membersBefore: members,
    membersAfter: members,
    added: 0,
    removed: 0,
    addedSample: [],
    removedSample: [],
    gone: false,
  };
}

/** Records one membership that entered (`true`) or left (`false`) the group's scope. */
export function tallyMember(tally: GroupTally, userId: string, entered: boolean): void {
  if (entered) {
    tally.added += 1;
    tally.membersAfter += 1;
    if (tally.addedSample.length < MEMBER_SAMPLE) tally.addedSample.push(userId);
  } else {
    tally.removed += 1;
    tally.membersAfter -= 1;
    if (tally.removedSample.length < MEMBER_SAMPLE) tally.removedSample.push(userId);
  }
}

/**
 * A selected group becomes a directory group once it has members in scope (empty groups are not
 * created), is renamed in place, and is released when deselected or deleted in Entra.
 */
export function planGroup(
  tally: GroupTally,
  existing: ExistingGroup | null,
  connectorId: string,
): PlannedChange | null {
  if (tally.gone) return existing && existing.managedBy !== null ? releaseChange(existing) : null;
  if (!existing || existing.managedBy === null) {
    if (tally.membersAfter <= 0) return null;
    return createChange(tally, existing, connectorId);
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const set: { name?: string; memberCount?: number } = {};
  if (existing.name !== tally.name) {
    before['name'] = existing.name;
    after['name'] = tally.name;
    set.name = tally.name;
  }
  if (tally.added > 0 || tally.removed > 0) {
    before['members'] = existing.memberCount;
    after['members'] = tally.membersAfter;
    after['membersAdded'] = tally.addedSample;
    after['membersRemoved'] = tally.removedSample;
    after['membersAddedCount'] = tally.added;
    after['membersRemovedCount'] = tally.removed;
  }
  if (existing.memberCount !== tally.membersAfter) set.memberCount = tally.membersAfter;
  if (Object.keys(set).length === 0) return null;
  const visible = Object.keys(before).length > 0;
  return {
    ...groupChange(tally, ChangeAction.GROUP_UPDATE),
    // Only the count was off (a count kept by earlier runs): corrected silently.
    before: visible ? before : null,
    after: visible ? after : null,
    write: { kind: 'updateGroup', id: existing.id, entraId: tally.id, set },
  };
}

function createChange(
  tally: GroupTally,
  released: ExistingGroup | null,
  connectorId: string,
): PlannedChange {
  return {
    ...groupChange(tally, ChangeAction.GROUP_CREATE),
    // A group released earlier (deselected, then selected again) is adopted back.
    before: released ? { managedBy: null } : null,
    after: { name: tally.name, members: tally.membersAfter },
    write: released
      ? {
          kind: 'updateGroup',
          id: released.id,
          entraId: tally.id,
          set: {
            name: tally.name,
            memberCount: tally.membersAfter,
            managedBy: ManagedBy.AZURE_AD,
            connectorId,
          },
        }
      : {
          kind: 'insertGroup',
          entraId: tally.id,
          name: tally.name,
          memberCount: tally.membersAfter,
        },
  };
}

function releaseChange(existing: ExistingGroup): PlannedChange {
  return {
    objectType: ChangeObjectType.GROUP,
    objectId: existing.entraId,
    label: existing.name,
    action: ChangeAction.GROUP_REMOVE,
    rule: 'syncedGroups',
    before: { managedBy: existing.managedBy },
    after: { managedBy: null },
    message: 'Deselected, or deleted in Entra: no longer managed by the connector.',
    deprovision: false,
    write: { kind: 'releaseGroup', id: existing.id, entraId: existing.entraId },
  };
}

function groupChange(tally: GroupTally, action: ChangeAction): PlannedChange {
  return {
    objectType: ChangeObjectType.GROUP,
    objectId: tally.id,
    label: tally.name,
    action,
    rule: 'syncedGroups',
    before: null,
    after: null,
    message: null,
    deprovision: false,
    write: null,
  };
}

/** A selected group that could not be read: left as it was, reported. */
export function groupErrorChange(id: string, name: string, message: string): PlannedChange {
  return {
    objectType: ChangeObjectType.GROUP,
    objectId: id,
    label: name,
    action: ChangeAction.ERROR,
    rule: 'syncedGroups',
    before: null,
    after: null,
    message: `The group could not be read (${message}); it was left as it was.`,
    deprovision: false,
    write: null,
  };
}
