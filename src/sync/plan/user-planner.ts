import { Types } from 'mongoose';
import { type DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
  type SyncRules,
} from '../../domain/sync-rules.js';
import {
  ScopeState,
  type ExistingUser,
  type PlannedChange,
  type UserObservation,
  type UserPlan,
} from './plan.types.js';
import {
  DirectoryUserStatus as Status,
  DirectoryUserStatusReason as Reason,
  ManagedBy,
  emailKeyOf,
  entraKeyOf,
  type EntraFacts,
} from '../../domain/directory.js';
import { ChangeAction, ChangeObjectType } from '../../domain/change.js';

export interface UserPlanInput {
  companyId: string;
  connectorId: string;
  rules: SyncRules;
  observations: Iterable<UserObservation>;
  /** Company users that carry an Entra id, by that id. */
  byEntraId: Map<string, ExistingUser>;
  /** Every company user by `emailKey` (duplicate detection, linking); updated as the plan goes. */
  byEmailKey: Map<string, ExistingUser | PlannedOwner>;
  seatLimit: number | null;
  /** ACTIVE users of the company before the plan. */
  seatsUsed: number;
  now: Date;
}

/** An email claimed earlier in the same plan. */
export interface PlannedOwner {
  planned: true;
  entraId: string;
}

const ATTRIBUTES = ['email', 'displayName', 'givenName', 'surname'] as const;
const DAY_MS = 86_400_000;

/**
 * Applies the sync rules to each observed user: pure, so previewSync and the runs share it. One
 * observation yields at most a few changes; nothing here writes.
 */
export function planUsers(input: UserPlanInput): UserPlan {
  const plan: UserPlan = { changes: [], facts: [], inScope: new Set(), decided: new Set() };
  const { rules, now } = input;
  let seatsUsed = input.seatsUsed;
  const seatFree = (): boolean => input.seatLimit === null || seatsUsed < input.seatLimit;

  for (const obs of input.observations) {
    plan.decided.add(obs.entraId);
    const existing = input.byEntraId.get(obs.entraId) ?? null;
    const user = obs.user;
    const eligible =
      obs.state === ScopeState.MEMBER && user !== null && (rules.includeGuests || !user.guest);

    if (!existing) {
      if (!eligible || !user.enabled || rules.userAdded === UserAddedAction.IGNORE) continue;
      if (!user.email) {
        plan.changes.push(errorChange(obs.entraId, user.displayName, 'userAdded', noEmail(user)));
        continue;
      }
      const key = emailKeyOf(input.companyId, user.email);
      const owner = input.byEmailKey.get(key);
      const facts: EntraFacts = { inScope: true, enabled: true, deleted: false, guest: user.guest };
      if (owner) {
        const linkable =
          !('planned' in owner) &&
          owner.managedBy === null &&
          owner.entraId === null &&
          rules.linkExistingByEmail;
        if (!linkable) {
          plan.changes.push(
            errorChange(
              obs.entraId,
              user.email,
              'userAdded',
              `Duplicate email: ${user.email} already belongs to another directory user; this Entra user was not synced.`,
            ),
          );
          continue;
        }
        const set: Partial<DirectoryUserDoc> = {
          entraId: user.id,
          entraKey: entraKeyOf(input.companyId, user.id),
          managedBy: ManagedBy.AZURE_AD,
          connectorId: input.connectorId,
          displayName: user.displayName,
          givenName: user.givenName,
          surname: user.surname,
          entra: facts,
        };
        plan.changes.push({
          objectType: ChangeObjectType.USER,
          objectId: user.id,
          label: user.email,
          action: ChangeAction.LINK,
          rule: 'linkExistingByEmail',
          before: { managedBy: owner.managedBy, displayName: owner.displayName },
          after: { managedBy: ManagedBy.AZURE_AD, displayName: user.displayName },
          message: null,
          deprovision: false,
          write: { kind: 'updateUser', id: owner._id, set, expectStatus: owner.status },
        });
        input.byEmailKey.set(key, { planned: true, entraId: user.id });
        plan.inScope.add(user.id);
        continue;
      }
      let status = Status.ACTIVE;
      let reason: Reason | null = null;
      if (rules.userAdded === UserAddedAction.CREATE_PENDING_APPROVAL) {
        status = Status.PENDING_APPROVAL;
        reason = Reason.APPROVAL_REQUIRED;
      } else if (!seatFree()) {
        status = Status.PENDING_APPROVAL;
        reason = Reason.SEAT_LIMIT;
      } else {
        seatsUsed += 1;
      }
      const doc: Omit<DirectoryUserDoc, 'createdAt' | 'updatedAt'> = {
        _id: new Types.ObjectId(),
        companyId: input.companyId,
        entraId: user.id,
        entraKey: entraKeyOf(input.companyId, user.id),
        email: user.email,
        emailKey: key,
        displayName: user.displayName,
        givenName: user.givenName,
        surname: user.surname,
        status,
        statusReason: reason,
        managedBy: ManagedBy.AZURE_AD,
        connectorId: input.connectorId,
        entra: facts,
        disabledAt: null,
        deleteAfter: null,
        deletedAt: null,
      };
      plan.changes.push({
        objectType: ChangeObjectType.USER,
        objectId: user.id,
        label: user.email,
        action:
          status === Status.ACTIVE ? ChangeAction.CREATE : ChangeAction.CREATE_PENDING_APPROVAL,
        rule: reason === Reason.SEAT_LIMIT ? 'seatLimit' : 'userAdded',
        before: null,
        after: {
          email: user.email,
          displayName: user.displayName,
          status,
          ...(reason ? { statusReason: reason } : {}),
        },
        message:
          reason === Reason.SEAT_LIMIT
            ? `The company's seat limit (${input.seatLimit ?? 0}) is reached: created pending approval.`
            : null,
        deprovision: false,
        write: { kind: 'insertUser', doc },
      });
      input.byEmailKey.set(key, { planned: true, entraId: user.id });
      plan.inScope.add(user.id);
      continue;
    }

    // A user the directory already knows under this Entra id.
    const facts: EntraFacts = {
      inScope: eligible,
      enabled: user?.enabled ?? existing.entra?.enabled ?? false,
      deleted: obs.state === ScopeState.DELETED,
      guest: user?.guest ?? existing.entra?.guest ?? false,
    };
    if (obs.state === ScopeState.UNKNOWN) {
      if (existing.entra?.inScope && existing.status !== Status.DELETED) {
        plan.inScope.add(obs.entraId);
      }
      continue;
    }
    const ours =
      existing.managedBy === ManagedBy.AZURE_AD && existing.connectorId === input.connectorId;
    if (!ours && !eligible) continue;
    const start = plan.changes.length;
    const adopt: Partial<DirectoryUserDoc> = ours
      ? {}
      : { managedBy: ManagedBy.AZURE_AD, connectorId: input.connectorId };
    let status = existing.status;

    if (eligible && user.enabled) {
      if (
        (status === Status.DISABLED || status === Status.DELETED) &&
        rules.userReenabled === ReenableAction.ENABLE
      ) {
        const target = seatFree() ? Status.ACTIVE : Status.PENDING_APPROVAL;
        if (target === Status.ACTIVE) seatsUsed += 1;
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
        status = target;
      }
    } else if (eligible && !user.enabled) {
      status = deprovision(
        plan,
        existing,
        rules.userDisabledInEntra,
        'userDisabledInEntra',
        Reason.DISABLED_IN_ENTRA,
        rules,
        now,
      );
    } else if (obs.state === ScopeState.DELETED) {
      status = deprovision(
        plan,
        existing,
        rules.userDeletedInEntra,
        'userDeletedInEntra',
        Reason.DELETED_IN_ENTRA,
        rules,
        now,
      );
    } else {
      status = deprovision(
        plan,
        existing,
        rules.userRemovedFromGroup,
        'userRemovedFromGroup',
        Reason.REMOVED_FROM_GROUP,
        rules,
        now,
      );
    }

    if (eligible && rules.attributesChanged === AttributeChangeAction.UPDATE) {
      const before: Record<string, unknown> = {};
      const set: Partial<DirectoryUserDoc> = {};
      for (const field of ATTRIBUTES) {
        const next = field === 'email' ? user.email : user[field];
        if (field === 'email' && !next) continue;
        if (existing[field] !== next) {
          before[field] = existing[field];
          (set as Record<string, unknown>)[field] = next;
        }
      }
      if (set.email !== undefined) {
        const key = emailKeyOf(input.companyId, set.email);
        const owner = input.byEmailKey.get(key);
        const mine =
          owner &&
          ('planned' in owner ? owner.entraId === obs.entraId : owner._id.equals(existing._id));
        if (owner && !mine) {
          plan.changes.push(
            errorChange(
              obs.entraId,
              set.email,
              'attributesChanged',
              `Duplicate email: ${set.email} already belongs to another directory user; the email of ${existing.email} was not changed.`,
            ),
          );
          delete set.email;
          delete before['email'];
        } else {
          set.emailKey = key;
          input.byEmailKey.set(key, { planned: true, entraId: obs.entraId });
        }
      }
      if (Object.keys(before).length > 0) {
        plan.changes.push(
          userChange(existing, ChangeAction.UPDATE, 'attributesChanged', set, before),
        );
      }
    }

    // The first write of the user also carries the refreshed Entra facts (and adoption).
    const first = plan.changes.slice(start).find((c) => c.write?.kind === 'updateUser');
    if (first?.write?.kind === 'updateUser') {
      Object.assign(first.write.set, adopt, { entra: facts });
    } else if (!sameFacts(existing.entra, facts) || !ours) {
      plan.facts.push({ id: existing._id, set: { ...adopt, entra: facts } });
    }
    if (eligible && status !== Status.DELETED) plan.inScope.add(obs.entraId);
  }
  return plan;
}

/** Staged offboarding: users disabled `deleteAfterDays` ago are soft-deleted now. */
export function planScheduledDeletes(users: Iterable<ExistingUser>, now: Date): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const user of users) {
    if (user.status !== Status.DISABLED || !user.deleteAfter || user.deleteAfter > now) continue;
    changes.push({
      ...userChange(
        user,
        ChangeAction.DELETE,
        'deleteAfterDays',
        {
          status: Status.DELETED,
          statusReason: Reason.OFFBOARDING_ELAPSED,
          deletedAt: now,
          deleteAfter: null,
        },
        { status: user.status, deleteAfter: user.deleteAfter },
      ),
      deprovision: true,
    });
  }
  return changes;
}

function deprovision(
  plan: UserPlan,
  existing: ExistingUser,
  action: DeprovisionAction,
  rule: string,
  reason: Reason,
  rules: SyncRules,
  now: Date,
): Status {
  const status = existing.status;
  if (
    action === DeprovisionAction.DISABLE &&
    (status === Status.ACTIVE || status === Status.PENDING_APPROVAL)
  ) {
    const deleteAfter =
      rules.deleteAfterDays === null
        ? null
        : new Date(now.getTime() + rules.deleteAfterDays * DAY_MS);
    plan.changes.push({
      ...userChange(
        existing,
        ChangeAction.DISABLE,
        rule,
        { status: Status.DISABLED, statusReason: reason, disabledAt: now, deleteAfter },
        { status, statusReason: existing.statusReason },
      ),
      deprovision: true,
    });
    return Status.DISABLED;
  }
  if (action === DeprovisionAction.DELETE && status !== Status.DELETED) {
    plan.changes.push({
      ...userChange(
        existing,
        ChangeAction.DELETE,
        rule,
        { status: Status.DELETED, statusReason: reason, deletedAt: now, deleteAfter: null },
        { status, statusReason: existing.statusReason },
      ),
      deprovision: true,
    });
    return Status.DELETED;
  }
  return status;
}

function userChange(
  existing: ExistingUser,
  action: ChangeAction,
  rule: string,
  set: Partial<DirectoryUserDoc>,
  before: Record<string, unknown>,
): PlannedChange {
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(set)) if (key !== 'emailKey') after[key] = value;
  return {
    objectType: ChangeObjectType.USER,
    objectId: existing.entraId ?? existing._id.toHexString(),
    label: existing.email,
    action,
    rule,
    before,
    after,
    message: null,
    deprovision: false,
    write: { kind: 'updateUser', id: existing._id, set: { ...set }, expectStatus: existing.status },
  };
}

function errorChange(entraId: string, label: string, rule: string, message: string): PlannedChange {
  return {
    objectType: ChangeObjectType.USER,
    objectId: entraId,
    label,
    action: ChangeAction.ERROR,
    rule,
    before: null,
    after: null,
    message,
    deprovision: false,
    write: null,
  };
}

function noEmail(user: { guest: boolean; displayName: string }): string {
  return user.guest
    ? `Guest ${user.displayName} has no mail address in Entra; it was not synced.`
    : `User ${user.displayName} has neither mail nor userPrincipalName; it was not synced.`;
}

function sameFacts(a: EntraFacts | null, b: EntraFacts): boolean {
  return (
    !!a &&
    a.inScope === b.inScope &&
    a.enabled === b.enabled &&
    a.deleted === b.deleted &&
    a.guest === b.guest
  );
}
