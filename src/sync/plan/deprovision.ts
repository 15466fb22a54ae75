import { ChangeAction } from '../../domain/change.js';
import {
  DirectoryUserStatus as Status,
  DirectoryUserStatusReason as Reason,
} from '../../domain/directory.js';
import { DeprovisionAction, type SyncRules } from '../../domain/sync-rules.js';
import { userChange } from './planned-change.js';
import type { ExistingUser, PlannedChange } from './plan.types.js';

const DAY_MS = 86_400_000;

/** The three ways a user leaves: each has its own rule and the reason the admin sees. */
export type DeprovisionRule = 'userRemovedFromGroup' | 'userDisabledInEntra' | 'userDeletedInEntra';

const REASONS: Record<DeprovisionRule, Reason> = {
  userRemovedFromGroup: Reason.REMOVED_FROM_GROUP,
  userDisabledInEntra: Reason.DISABLED_IN_ENTRA,
  userDeletedInEntra: Reason.DELETED_IN_ENTRA,
};

/** The disable or soft delete the rule asks for, or null when it changes nothing. */
export function deprovisionFor(
  existing: ExistingUser,
  rule: DeprovisionRule,
  rules: SyncRules,
  now: Date,
): PlannedChange | null {
  const action = rules[rule];
  const status = existing.status;
  const before = { status, statusReason: existing.statusReason };
  if (
    action === DeprovisionAction.DISABLE &&
    (status === Status.ACTIVE || status === Status.PENDING_APPROVAL)
  ) {
    const deleteAfter =
      rules.deleteAfterDays === null
        ? null
        : new Date(now.getTime() + rules.deleteAfterDays * DAY_MS);
    const set = {
      status: Status.DISABLED,
      statusReason: REASONS[rule],
      disabledAt: now,
      deleteAfter,
    };
    return { ...userChange(existing, ChangeAction.DISABLE, rule, set, before), deprovision: true };
  }
  if (action === DeprovisionAction.DELETE && status !== Status.DELETED) {
    const set = {
      status: Status.DELETED,
      statusReason: REASONS[rule],
      deletedAt: now,
      deleteAfter: null,
    };
    return { ...userChange(existing, ChangeAction.DELETE, rule, set, before), deprovision: true };
  }
  return null;
}

/** Staged offboarding: users disabled `deleteAfterDays` ago are soft-deleted now. */
export function planScheduledDeletes(users: Iterable<ExistingUser>, now: Date): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const user of users) {
    if (user.status !== Status.DISABLED || !user.deleteAfter || user.deleteAfter > now) continue;
    const set = {
      status: Status.DELETED,
      statusReason: Reason.OFFBOARDING_ELAPSED,
      deletedAt: now,
      deleteAfter: null,
    };
    const before = { status: user.status, deleteAfter: user.deleteAfter };
    changes.push({
      ...userChange(user, ChangeAction.DELETE, 'deleteAfterDays', set, before),
      deprovision: true,
    });
  }
  return changes;
}
