import { ChangeAction, ChangeObjectType } from '../../domain/change.js';
import {
  DirectoryUserStatus as Status,
  DirectoryUserStatusReason as Reason,
  ManagedBy,
  entraKeyOf,
  type DirectoryUserFields,
  type EntraFacts,
} from '../../domain/directory.js';
import type { EntraUser } from '../../domain/entra.js';
import type { ExistingUser, NewUserDoc, PlannedChange } from './plan.types.js';

/** Builders of the planned changes, so each planner says what changes, not how it is shaped. */

export function userChange(
  existing: ExistingUser,
  action: ChangeAction,
  rule: string,
  set: Partial<DirectoryUserFields>,
  before: Record<string, unknown>,
): PlannedChange {
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(set)) if (key !== 'emailKey') after[key] = value;
  return {
    objectType: ChangeObjectType.USER,
    objectId: existing.entraId ?? existing.id,
    label: existing.email,
    action,
    rule,
    before,
    after,
    message: null,
    deprovision: false,
    write: { kind: 'updateUser', id: existing.id, set: { ...set }, expectStatus: existing.status },
  };
}

export function userCreateChange(doc: NewUserDoc, seatLimit: number | null): PlannedChange {
  const seatLimited = doc.statusReason === Reason.SEAT_LIMIT;
  return {
    objectType: ChangeObjectType.USER,
    objectId: doc.entraId!,
    label: doc.email,
    action:
      doc.status === Status.ACTIVE ? ChangeAction.CREATE : ChangeAction.CREATE_PENDING_APPROVAL,
    rule: seatLimited ? 'seatLimit' : 'userAdded',
    before: null,
    after: {
      email: doc.email,
      displayName: doc.displayName,
      status: doc.status,
      ...(doc.statusReason ? { statusReason: doc.statusReason } : {}),
    },
    message: seatLimited
      ? `The company's seat limit (${seatLimit ?? 0}) is reached: created pending approval.`
      : null,
    deprovision: false,
    write: { kind: 'insertUser', doc },
  };
}

/** An unmanaged directory user with the same email becomes this Entra user's. */
export function userLinkChange(
  owner: ExistingUser,
  user: EntraUser,
  ctx: { companyId: string; connectorId: string },
  facts: EntraFacts,
): PlannedChange {
  const set: Partial<DirectoryUserFields> = {
    entraId: user.id,
    entraKey: entraKeyOf(ctx.companyId, user.id),
    managedBy: ManagedBy.AZURE_AD,
    connectorId: ctx.connectorId,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    entra: facts,
  };
  return {
    objectType: ChangeObjectType.USER,
    objectId: user.id,
    label: user.email ?? user.displayName,
    action: ChangeAction.LINK,
    rule: 'linkExistingByEmail',
    before: { managedBy: owner.managedBy, displayName: owner.displayName },
    after: { managedBy: ManagedBy.AZURE_AD, displayName: user.displayName },
    message: null,
    deprovision: false,
    write: { kind: 'updateUser', id: owner.id, set, expectStatus: owner.status },
  };
}

export function errorChange(
  entraId: string,
  label: string,
  rule: string,
  message: string,
): PlannedChange {
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

export function sameFacts(a: EntraFacts | null, b: EntraFacts): boolean {
  return (
    !!a &&
    a.inScope === b.inScope &&
    a.enabled === b.enabled &&
    a.deleted === b.deleted &&
    a.guest === b.guest
  );
}

/** A silent mirror refresh (no visible change) is not logged. */
export function isSilent(change: PlannedChange): boolean {
  return change.before === null && change.after === null && change.action !== ChangeAction.ERROR;
}
