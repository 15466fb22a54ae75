/**
 * Sync rules: what the hub does in the directory when something changes in Entra. Defaults
 * match the seed connector ("users removed from the group, disabled, or deleted are disabled").
 */
export enum UserAddedAction {
  CREATE = 'CREATE',
  CREATE_PENDING_APPROVAL = 'CREATE_PENDING_APPROVAL',
  IGNORE = 'IGNORE',
}

export enum DeprovisionAction {
  DISABLE = 'DISABLE',
  /** A soft delete: the directory user can be restored. */
  DELETE = 'DELETE',
  IGNORE = 'IGNORE',
}

export enum ReenableAction {
  ENABLE = 'ENABLE',
  IGNORE = 'IGNORE',
}

export enum AttributeChangeAction {
  UPDATE = 'UPDATE',
  IGNORE = 'IGNORE',
}

export interface SyncRules {
  userAdded: UserAddedAction;
  userRemovedFromGroup: DeprovisionAction;
  userDisabledInEntra: DeprovisionAction;
  userDeletedInEntra: DeprovisionAction;
  userReenabled: ReenableAction;
  attributesChanged: AttributeChangeAction;
  /** Staged offboarding: disable now, soft-delete after this many days; null = never. */
  deleteAfterDays: number | null;
  /** Transitive membership of the sync group instead of direct members only. */
  includeNestedGroups: boolean;
  includeGuests: boolean;
  /** Link a new in-scope user to an existing unmanaged directory user with the same email. */
  linkExistingByEmail: boolean;
  /** Mass-change guard: stage deprovisioning above max(percent of managed users, absolute). */
  massChangeThresholdPercent: number;
  massChangeThresholdAbsolute: number;
}

export const DEFAULT_SYNC_RULES: Readonly<SyncRules> = Object.freeze({
  userAdded: UserAddedAction.CREATE,
  userRemovedFromGroup: DeprovisionAction.DISABLE,
  userDisabledInEntra: DeprovisionAction.DISABLE,
  userDeletedInEntra: DeprovisionAction.DISABLE,
  userReenabled: ReenableAction.ENABLE,
  attributesChanged: AttributeChangeAction.UPDATE,
  deleteAfterDays: null,
  includeNestedGroups: false,
  includeGuests: true,
  linkExistingByEmail: true,
  massChangeThresholdPercent: 10,
  massChangeThresholdAbsolute: 25,
});

/** The number of deprovisioning changes above which a run stops for approval. */
export function massChangeLimit(rules: SyncRules, managedUsers: number): number {
  return Math.max(
    Math.floor((managedUsers * rules.massChangeThresholdPercent) / 100),
    rules.massChangeThresholdAbsolute,
  );
}
