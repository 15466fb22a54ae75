import { ChangeAction } from '../../domain/change.js';
import {
  DirectoryUserStatus as Status,
  DirectoryUserStatusReason as Reason,
  ManagedBy,
  emailKeyOf,
  entraKeyOf,
  type EntraFacts,
} from '../../domain/directory.js';
import type { EntraUser } from '../../domain/entra.js';
import {
  AttributeChangeAction,
  ReenableAction,
  UserAddedAction,
  type SyncRules,
} from '../../domain/sync-rules.js';
import { deprovisionFor, planScheduledDeletes } from './deprovision.js';
import type { SeatCounter } from './seats.js';
import { inScopeNow } from './scope.js';
import {
  errorChange,
  sameFacts,
  userChange,
  userCreateChange,
  userLinkChange,
} from './planned-change.js';
import {
  ScopeState,
  type ExistingUser,
  type NewUserDoc,
  type PlannedChange,
  type UserObservation,
  type UserPlan,
} from './plan.types.js';

export { planScheduledDeletes };
export { seatCounter, type SeatCounter } from './seats.js';
export { inScopeNow } from './scope.js';

export interface UserPlanInput {
  companyId: string;
  connectorId: string;
  rules: SyncRules;
  observations: Iterable<UserObservation>;
  /** Company users that carry one of the observed Entra ids, by that id. */
  byEntraId: ReadonlyMap<string, ExistingUser>;
  /**
   * Company users by `emailKey`, for the emails the observations carry (duplicate detection,
   * linking); the plan adds the addresses it claims.
   */
  byEmailKey: Map<string, ExistingUser | PlannedOwner>;
  seats: SeatCounter;
  now: Date;
}

/** An email claimed earlier in the same plan. */
export interface PlannedOwner {
  planned: true;
  entraId: string;
}

type Context = Omit<UserPlanInput, 'observations'>;

const ATTRIBUTES = ['email', 'displayName', 'givenName', 'surname'] as const;

/**
 * Applies the sync rules to each observed user: pure, so previews, full and delta runs share it.
 * One observation yields at most a few changes; nothing here writes.
 */
export function planUsers(input: UserPlanInput): UserPlan {
  const plan: UserPlan = { changes: [], facts: [], scope: new Map() };
  for (const obs of input.observations) {
    const existing = input.byEntraId.get(obs.entraId) ?? null;
    if (existing) planExistingUser(plan, obs, existing, input);
    else planNewUser(plan, obs, input);
  }
  return plan;
}

/** Whether the observation makes the user one to sync (a member, a guest only if allowed). */
function eligibleUser(obs: UserObservation, rules: SyncRules): EntraUser | null {
  const user = obs.user;
  if (obs.state !== ScopeState.MEMBER || user === null) return null;
  return rules.includeGuests || !user.guest ? user : null;
}

function planNewUser(plan: UserPlan, obs: UserObservation, ctx: Context): void {
  const user = eligibleUser(obs, ctx.rules);
  plan.scope.set(obs.entraId, false);
  if (!user || !user.enabled || ctx.rules.userAdded === UserAddedAction.IGNORE) return;
  if (!user.email) {
    plan.changes.push(errorChange(obs.entraId, user.displayName, 'userAdded', noEmail(user)));
    return;
  }
  const key = emailKeyOf(ctx.companyId, user.email);
  const owner = ctx.byEmailKey.get(key);
  if (owner) {
    const linkable =
      !('planned' in owner) &&
      owner.managedBy === null &&
      owner.entraId === null &&
      ctx.rules.linkExistingByEmail;
    if (!linkable) {
      plan.changes.push(
        errorChange(
          obs.entraId,
          user.email,
          'userAdded',
          `Duplicate email: ${user.email} already belongs to another directory user; this Entra user was not synced.`,
        ),
      );
      return;
    }
    plan.changes.push(userLinkChange(owner, user, ctx, newFacts(user)));
  } else {
    plan.changes.push(userCreateChange(newUserDoc(user, key, ctx), ctx.seats.limit));
  }
  ctx.byEmailKey.set(key, { planned: true, entraId: user.id });
  plan.scope.set(obs.entraId, true);
}

function newFacts(user: EntraUser): EntraFacts {
  return { inScope: true, enabled: true, deleted: false, guest: user.guest };
}

function newUserDoc(user: EntraUser, emailKey: string, ctx: Context): NewUserDoc {
  let status = Status.ACTIVE;
  let reason: Reason | null = null;
  if (ctx.rules.userAdded === UserAddedAction.CREATE_PENDING_APPROVAL) {
    status = Status.PENDING_APPROVAL;
    reason = Reason.APPROVAL_REQUIRED;
  } else if (!ctx.seats.free()) {
    status = Status.PENDING_APPROVAL;
    reason = Reason.SEAT_LIMIT;
  } else {
    ctx.seats.take();
  }
  return {
    companyId: ctx.companyId,
    entraId: user.id,
    entraKey: entraKeyOf(ctx.companyId, user.id),
    email: user.email!,
    emailKey,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    status,
    statusReason: reason,
    managedBy: ManagedBy.AZURE_AD,
    connectorId: ctx.connectorId,
    entra: newFacts(user),
    disabledAt: null,
    deleteAfter: null,
    deletedAt: null,
  };
}

/** A user the directory already knows under this Entra id. */
function planExistingUser(
  plan: UserPlan,
  obs: UserObservation,
  existing: ExistingUser,
  ctx: Context,
): void {
  const user = eligibleUser(obs, ctx.rules);
  if (obs.state === ScopeState.UNKNOWN) {
    // Left the scope, but removed or deleted could not be read: nothing changes.
    plan.scope.set(obs.entraId, inScopeNow(existing, ctx.connectorId));
    return;
  }
  const ours =
    existing.managedBy === ManagedBy.AZURE_AD && existing.connectorId === ctx.connectorId;
  plan.scope.set(obs.entraId, false);
  if (!ours && !user) return;
  const facts: EntraFacts = {
    inScope: user !== null,
    enabled: obs.user?.enabled ?? existing.entra?.enabled ?? false,
    deleted: obs.state === ScopeState.DELETED,
    guest: obs.user?.guest ?? existing.entra?.guest ?? false,
  };
  const start = plan.changes.length;
  const status = planStatus(plan, obs, existing, user, ctx);
  if (user && ctx.rules.attributesChanged === AttributeChangeAction.UPDATE) {
    planAttributes(plan, obs.entraId, existing, user, ctx);
  }

  // The first write of the user also carries the refreshed Entra facts (and adoption).
  const adopt = ours ? {} : { managedBy: ManagedBy.AZURE_AD, connectorId: ctx.connectorId };
  const first = plan.changes.slice(start).find((c) => c.write?.kind === 'updateUser');
  if (first?.write?.kind === 'updateUser') {
    Object.assign(first.write.set, adopt, { entra: facts });
  } else if (!sameFacts(existing.entra, facts) || !ours) {
    plan.facts.push({ id: existing.id, set: { ...adopt, entra: facts } });
  }
  if (user && status !== Status.DELETED) plan.scope.set(obs.entraId, true);
}

/** Re-enables, or deprovisions by the rule that applies; returns the status it leads to. */
function planStatus(
  plan: UserPlan,
  obs: UserObservation,
  existing: ExistingUser,
  user: EntraUser | null,
  ctx: Context,
): Status {
  if (user?.enabled) {
    const status = existing.status;
    if (
      (status === Status.DISABLED || status === Status.DELETED) &&
      ctx.rules.userReenabled === ReenableAction.ENABLE
    ) {
      const target = ctx.seats.free() ? Status.ACTIVE : Status.PENDING_APPROVAL;
      if (target === Status.ACTIVE) ctx.seats.take();
      const set = {
        status: target,
        statusReason: target === Status.ACTIVE ? null : Reason.SEAT_LIMIT,
        disabledAt: null,
        deleteAfter: null,
        deletedAt: null,
      };
      plan.changes.push(
        userChange(existing, ChangeAction.ENABLE, 'userReenabled', set, {
          status: existing.status,
          statusReason: existing.statusReason,
        }),
      );
      return target;
    }
    return status;
  }
  const rule = user
    ? 'userDisabledInEntra'
    : obs.state === ScopeState.DELETED
      ? 'userDeletedInEntra'
      : 'userRemovedFromGroup';
  const change = deprovisionFor(existing, rule, ctx.rules, ctx.now);
  if (!change) return existing.status;
  plan.changes.push(change);
  return change.write?.kind === 'updateUser' && change.write.set.status
    ? change.write.set.status
    : existing.status;
}

function planAttributes(
  plan: UserPlan,
  entraId: string,
  existing: ExistingUser,
  user: EntraUser,
  ctx: Context,
): void {
  const before: Record<string, unknown> = {};
  const set: Record<string, unknown> = {};
  for (const field of ATTRIBUTES) {
    const next = field === 'email' ? user.email : user[field];
    if (field === 'email' && !next) continue;
    if (existing[field] !== next) {
      before[field] = existing[field];
      set[field] = next;
    }
  }
  if (typeof set['email'] === 'string') {
    const email = set['email'];
    const key = emailKeyOf(ctx.companyId, email);
    const owner = ctx.byEmailKey.get(key);
    const mine =
      owner && ('planned' in owner ? owner.entraId === entraId : owner.id === existing.id);
    if (owner && !mine) {
      plan.changes.push(
        errorChange(
          entraId,
          email,
          'attributesChanged',
          `Duplicate email: ${email} already belongs to another directory user; the email of ${existing.email} was not changed.`,
        ),
      );
      delete set['email'];
      delete before['email'];
    } else {
      set['emailKey'] = key;
      ctx.byEmailKey.set(key, { planned: true, entraId });
    }
  }
  if (Object.keys(before).length > 0) {
    plan.changes.push(userChange(existing, ChangeAction.UPDATE, 'attributesChanged', set, before));
  }
}

function noEmail(user: { guest: boolean; displayName: string }): string {
  return user.guest
    ? `Guest ${user.displayName} has no mail address in Entra; it was not synced.`
    : `User ${user.displayName} has neither mail nor userPrincipalName; it was not synced.`;
}

export type { PlannedChange };
