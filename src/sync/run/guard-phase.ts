import { guardDeprovisions, guardNeedsBase } from '../guard/mass-change-guard.js';
import { SyncRunProblemCode } from '../../domain/sync-run.js';
import type { RunContext } from './run-context.js';

/**
 * The run's disables and deletes, all planned by now, through the guard: withheld on incomplete
 * data, staged above the mass-change threshold, applied otherwise, and logged. Runs after the
 * users and before the groups, so the log lists every user change first. Returns the guard's
 * base (managed users before the run) when it is known or had to be counted.
 */
export async function settleDeprovisions(
  ctx: RunContext,
  complete: boolean,
  managedBefore: number | null,
): Promise<number | null> {
  const rules = ctx.config.rules;
  let base = managedBefore;
  if (base === null && guardNeedsBase(rules, ctx.deferred.length)) {
    base = (await ctx.directory.countManaged()) - ctx.managedDelta;
  }
  const verdict = guardDeprovisions({
    deprovisions: ctx.deferred,
    complete,
    rules,
    managedUsers: base ?? 0,
  });
  ctx.request.signal?.throwIfAborted();
  await ctx.settleDeferred(verdict);
  if (ctx.log.withheld > 0) {
    ctx.problem(
      SyncRunProblemCode.DEPROVISIONING_WITHHELD,
      `${ctx.log.withheld} disable/delete changes were withheld because the data was incomplete.`,
    );
  }
  return base;
}
