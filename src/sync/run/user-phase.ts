import { emailKeyOf } from '../../domain/directory.js';
import type { ExistingUser, UserObservation } from '../plan/plan.types.js';
import { inScopeNow, planUsers, type PlannedOwner } from '../plan/user-planner.js';
import { countsAsManaged } from '../state/directory-store.js';
import type { HashFilter } from '../state/hash-filter.js';
import type { RunContext } from './run-context.js';

export interface UserBatchResult {
  /** Every decided user, and whether it is in scope after the plan. */
  scope: Map<string, boolean>;
  /** The decided users whose scope changed (what their group memberships must follow). */
  flips: Map<string, boolean>;
  /** Observed users that were managed by the connector and not deleted before the run. */
  managedSeen: number;
}

/**
 * A full sync of a company whose directory had no user when it started: nobody can be found by
 * Entra id (each listed user is planned once), and an address can only belong to a user this run
 * created, so only the addresses it may already have claimed are looked up.
 */
export interface FirstSync {
  claimed: HashFilter;
}

/**
 * One batch of observations through plan -> apply: the users it names are looked up by key, the
 * rules planned, and every change but disables and deletes applied and logged at once; those
 * wait in the context for the guard, which judges the run as a whole.
 */
export async function processUsers(
  ctx: RunContext,
  observations: readonly UserObservation[],
  first: FirstSync | null = null,
): Promise<UserBatchResult> {
  const { companyId, connectorId, rules } = ctx.config;
  const emailKeys: string[] = [];
  for (const obs of observations) {
    if (!obs.user?.email) continue;
    const key = emailKeyOf(companyId, obs.user.email);
    if (!first || first.claimed.mayHave(key)) emailKeys.push(key);
  }
  const [existing, owners] = await Promise.all([
    first
      ? new Map<string, ExistingUser>()
      : ctx.directory.usersByEntraId(observations.map((o) => o.entraId)),
    ctx.directory.usersByEmailKey(emailKeys),
  ]);
  const plan = planUsers({
    companyId,
    connectorId,
    rules,
    observations,
    byEntraId: existing,
    byEmailKey: new Map<string, ExistingUser | PlannedOwner>(owners),
    seats: await ctx.seatCounter(),
    now: new Date(),
  });
  const users = new Map<string, ExistingUser>();
  for (const user of [...existing.values(), ...owners.values()]) users.set(user.id, user);

  if (first) {
    for (const change of plan.changes) {
      const write = change.write;
      if (write?.kind === 'insertUser') first.claimed.add(write.doc.emailKey);
    }
  }
  const now = plan.changes.filter((change) => !change.deprovision);
  for (const change of plan.changes) if (change.deprovision) ctx.defer(change, users);
  await ctx.applyAndLog(now, plan.facts, users);

  const flips = new Map<string, boolean>();
  let managedSeen = 0;
  for (const [entraId, after] of plan.scope) {
    const before = existing.get(entraId);
    if (countsAsManaged(before ?? null, connectorId)) managedSeen += 1;
    if ((before ? inScopeNow(before, connectorId) : false) !== after) flips.set(entraId, after);
  }
  return { scope: plan.scope, flips, managedSeen };
}
