import { ChangeState } from '../../domain/change.js';
import { massChangeLimit, type SyncRules } from '../../domain/sync-rules.js';
import type { PlannedChange } from '../plan/plan.types.js';

export interface GuardInput {
  /** The run's disables and deletes, all of them (the guard judges the run as a whole). */
  deprovisions: readonly PlannedChange[];
  /** False: some scope data could not be read, so nothing may be deprovisioned. */
  complete: boolean;
  rules: SyncRules;
  /** Managed, not deleted users before the run (the guard's percentage base). */
  managedUsers: number;
}

/**
 * The rails, in order: incomplete data withholds every deprovisioning (SKIPPED); above the
 * mass-change threshold all of it waits for an admin (STAGED); otherwise it applies.
 */
export function guardDeprovisions(input: GuardInput): ChangeState {
  if (input.deprovisions.length === 0) return ChangeState.APPLIED;
  if (!input.complete) return ChangeState.SKIPPED;
  return input.deprovisions.length > massChangeLimit(input.rules, input.managedUsers)
    ? ChangeState.STAGED
    : ChangeState.APPLIED;
}

/** Whether the guard needs the managed-user count at all (it only matters above the floor). */
export function guardNeedsBase(rules: SyncRules, deprovisions: number): boolean {
  return deprovisions > rules.massChangeThresholdAbsolute;
}
