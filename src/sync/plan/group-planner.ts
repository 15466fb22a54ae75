import type { EntraGroupView } from '../../domain/entra.js';
import type { DirectoryGroupDoc } from '../../db/models/directory-group.model.js';
import type { PlannedChange } from './plan.types.js';
import { ManagedBy } from '../../domain/directory.js';
import { ChangeAction, ChangeObjectType } from '../../domain/change.js';

export type ExistingGroup = Pick<
  DirectoryGroupDoc,
  '_id' | 'entraId' | 'name' | 'memberIds' | 'entraMemberIds' | 'managedBy' | 'connectorId'
>;

export interface GroupPlanInput {
  /** Selected groups read completely in this run, by id. */
  groups: Map<string, EntraGroupView>;
  /** Selected groups known to be gone from Entra (or deselected): stop managing them. */
  goneIds: Set<string>;
  /** The connector's directory groups (and released ones with a selected id), by Entra id. */
  existing: Map<string, ExistingGroup>;
  /** Entra ids of the synced users in scope. */
  inScope: ReadonlySet<string>;
  connectorId: string;
}

/**
 * Each selected group becomes a directory group whose members are its in-scope members; a group
 * without in-scope members is not created; renamed in place; deselected or deleted ones released.
 */
export function planGroups(input: GroupPlanInput): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const group of input.groups.values()) {
    const members = group.memberIds.filter((id) => input.inScope.has(id)).sort();
    const existing = input.existing.get(group.id);
    if (existing && existing.managedBy === null) {
      if (members.length === 0) continue;
      // Re-adopt a group released earlier (deselected, then selected again).
      changes.push({
        objectType: ChangeObjectType.GROUP,
        objectId: group.id,
        label: group.name,
        action: ChangeAction.GROUP_CREATE,
        rule: 'syncedGroups',
        before: { managedBy: null },
        after: { name: group.name, members: members.length },
        message: null,
        deprovision: false,
        write: {
          kind: 'updateGroup',
          id: existing._id,
          entraId: group.id,
          set: {
            name: group.name,
            memberIds: members,
            entraMemberIds: [...group.memberIds],
            managedBy: ManagedBy.AZURE_AD,
            connectorId: input.connectorId,
          },
        },
      });
      continue;
    }
    if (!existing) {
      if (members.length === 0) continue;
      changes.push({
        objectType: ChangeObjectType.GROUP,
        objectId: group.id,
        label: group.name,
        action: ChangeAction.GROUP_CREATE,
        rule: 'syncedGroups',
        before: null,
        after: { name: group.name, members: members.length },
        message: null,
        deprovision: false,
        write: {
          kind: 'insertGroup',
          entraId: group.id,
          name: group.name,
          memberIds: members,
          entraMemberIds: [...group.memberIds],
        },
      });
      continue;
    }
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set: { name?: string; memberIds?: string[]; entraMemberIds?: string[] } = {};
    if (existing.name !== group.name) {
      before['name'] = existing.name;
      after['name'] = group.name;
      set.name = group.name;
    }
    const previous = new Set(existing.memberIds);
    const added = members.filter((id) => !previous.has(id));
    const kept = new Set(members);
    const removed = existing.memberIds.filter((id) => !kept.has(id));
    if (added.length > 0 || removed.length > 0) {
      before['members'] = existing.memberIds.length;
      after['members'] = members.length;
      after['membersAdded'] = added;
      after['membersRemoved'] = removed;
      set.memberIds = members;
    }
    if (!sameSet(existing.entraMemberIds, group.memberIds))
      set.entraMemberIds = [...group.memberIds];
    if (Object.keys(before).length > 0) {
      changes.push({
        objectType: ChangeObjectType.GROUP,
        objectId: group.id,
        label: group.name,
        action: ChangeAction.GROUP_UPDATE,
        rule: 'syncedGroups',
        before,
        after,
        message: null,
        deprovision: false,
        write: { kind: 'updateGroup', id: existing._id, entraId: group.id, set },
      });
    } else if (set.entraMemberIds) {
      // Only out-of-scope members moved: refresh the mirror silently.
      changes.push({
        objectType: ChangeObjectType.GROUP,
        objectId: group.id,
        label: group.name,
        action: ChangeAction.GROUP_UPDATE,
        rule: 'syncedGroups',
        before: null,
        after: null,
        message: null,
        deprovision: false,
        write: { kind: 'updateGroup', id: existing._id, entraId: group.id, set },
      });
    }
  }
  for (const id of input.goneIds) {
    const existing = input.existing.get(id);
    if (!existing || existing.managedBy === null) continue;
    changes.push({
      objectType: ChangeObjectType.GROUP,
      objectId: id,
      label: existing.name,
      action: ChangeAction.GROUP_REMOVE,
      rule: 'syncedGroups',
      before: { managedBy: existing.managedBy },
      after: { managedBy: null },
      message: 'Deselected, or deleted in Entra: no longer managed by the connector.',
      deprovision: false,
      write: { kind: 'releaseGroup', id: existing._id, entraId: id },
    });
  }
  return changes;
}

/** A silent mirror refresh (no visible change) is not logged. */
export function isSilent(change: PlannedChange): boolean {
  return change.before === null && change.after === null && change.action !== ChangeAction.ERROR;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((id) => set.has(id));
}
