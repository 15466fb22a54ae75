import { describe, expect, it } from '@jest/globals';
import { ChangeAction } from '../../src/domain/change.js';
import {
  DirectoryUserStatus as Status,
  DirectoryUserStatusReason as Reason,
  ManagedBy,
  emailKeyOf,
} from '../../src/domain/directory.js';
import type { EntraUser } from '../../src/domain/entra.js';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
  type SyncRules,
} from '../../src/domain/sync-rules.js';
import { planScheduledDeletes } from '../../src/sync/plan/deprovision.js';
import { ScopeState, type ExistingUser } from '../../src/sync/plan/plan.types.js';
import { planUsers, seatCounter } from '../../src/sync/plan/user-planner.js';
import {
  COMPANY,
  CONNECTOR,
  makeEntraUser,
  makeObservation,
  makeRules,
  makeUser,
} from '../builders/directory.js';

const NOW = new Date('2026-12-01T10:00:00Z');

interface Case {
  name: string;
  state: ScopeState;
  /** The Entra user observed (null: none, e.g. deleted). */
  user: EntraUser | null;
  /** The directory user under the same Entra id, if any. */
  existing?: (user: EntraUser | null) => ExistingUser;
  /** Other directory users, found by email. */
  owners?: (user: EntraUser | null) => ExistingUser[];
  rules?: Partial<SyncRules>;
  seats?: { limit: number; used: number };
  /** The actions planned, in order, with their rule. */
  expect: [ChangeAction, string][];
  /** In scope after the plan (what group memberships follow). */
  inScope: boolean;
  deprovision?: boolean;
  check?: (changes: ReturnType<typeof planUsers>) => void;
}

const member = makeEntraUser({ id: '00000000-0000-0000-0000-000000000001' });
const existingFor = (user: EntraUser | null, partial: Partial<ExistingUser> = {}) =>
  makeUser({ entraId: user?.id ?? member.id, ...partial }, user ?? member);

const cases: Case[] = [
  {
    name: 'a new member is created ACTIVE',
    state: ScopeState.MEMBER,
    user: member,
    expect: [[ChangeAction.CREATE, 'userAdded']],
    inScope: true,
  },
  {
    name: 'a new member past the seat limit is created pending approval',
    state: ScopeState.MEMBER,
    user: member,
    seats: { limit: 3, used: 3 },
    expect: [[ChangeAction.CREATE_PENDING_APPROVAL, 'seatLimit']],
    inScope: true,
    check: (plan) => expect(plan.changes[0]?.message).toMatch(/seat limit \(3\)/),
  },
  {
    name: 'CREATE_PENDING_APPROVAL creates pending with that reason',
    state: ScopeState.MEMBER,
    user: member,
    rules: { userAdded: UserAddedAction.CREATE_PENDING_APPROVAL },
    expect: [[ChangeAction.CREATE_PENDING_APPROVAL, 'userAdded']],
    inScope: true,
    check: (plan) =>
      expect(plan.changes[0]?.after).toMatchObject({ statusReason: Reason.APPROVAL_REQUIRED }),
  },
  {
    name: 'userAdded IGNORE creates nobody',
    state: ScopeState.MEMBER,
    user: member,
    rules: { userAdded: UserAddedAction.IGNORE },
    expect: [],
    inScope: false,
  },
  {
    name: 'a new guest is left out when includeGuests is off',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ guest: true }),
    rules: { includeGuests: false },
    expect: [],
    inScope: false,
  },
  {
    name: 'a new member disabled in Entra is not created',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ enabled: false }),
    expect: [],
    inScope: false,
  },
  {
    name: 'a new member without an address is an error',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ email: null }),
    expect: [[ChangeAction.ERROR, 'userAdded']],
    inScope: false,
  },
  {
    name: 'a new member whose email a managed user has is a duplicate',
    state: ScopeState.MEMBER,
    user: member,
    owners: (user) => [makeUser({ email: user!.email! })],
    expect: [[ChangeAction.ERROR, 'userAdded']],
    inScope: false,
    check: (plan) => expect(plan.changes[0]?.message).toMatch(/Duplicate email/),
  },
  {
    name: 'a new member is linked to an unmanaged user with the same email',
    state: ScopeState.MEMBER,
    user: member,
    owners: (user) => [
      makeUser({ email: user!.email!, entraId: null, managedBy: null, connectorId: null }),
    ],
    expect: [[ChangeAction.LINK, 'linkExistingByEmail']],
    inScope: true,
  },
  {
    name: 'linking is off: the same email is a duplicate',
    state: ScopeState.MEMBER,
    user: member,
    rules: { linkExistingByEmail: false },
    owners: (user) => [
      makeUser({ email: user!.email!, entraId: null, managedBy: null, connectorId: null }),
    ],
    expect: [[ChangeAction.ERROR, 'userAdded']],
    inScope: false,
  },
  {
    name: 'removed from the group: disabled',
    state: ScopeState.REMOVED,
    user: member,
    existing: existingFor,
    expect: [[ChangeAction.DISABLE, 'userRemovedFromGroup']],
    inScope: false,
    deprovision: true,
    check: (plan) =>
      expect(plan.changes[0]?.after).toMatchObject({ statusReason: Reason.REMOVED_FROM_GROUP }),
  },
  {
    name: 'deleted in Entra with the DELETE rule: soft-deleted',
    state: ScopeState.DELETED,
    user: null,
    existing: existingFor,
    rules: { userDeletedInEntra: DeprovisionAction.DELETE },
    expect: [[ChangeAction.DELETE, 'userDeletedInEntra']],
    inScope: false,
    deprovision: true,
  },
  {
    name: 'disabled in Entra: disabled, and still a member of its groups',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ id: member.id, enabled: false }),
    existing: existingFor,
    expect: [[ChangeAction.DISABLE, 'userDisabledInEntra']],
    inScope: true,
    deprovision: true,
  },
  {
    name: 'disabled in Entra with IGNORE: nothing changes',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ id: member.id, enabled: false }),
    existing: existingFor,
    rules: { userDisabledInEntra: DeprovisionAction.IGNORE },
    expect: [],
    inScope: true,
  },
  {
    name: 'a disabled user back in the group is enabled',
    state: ScopeState.MEMBER,
    user: member,
    existing: (user) => existingFor(user, { status: Status.DISABLED }),
    expect: [[ChangeAction.ENABLE, 'userReenabled']],
    inScope: true,
  },
  {
    name: 'userReenabled IGNORE leaves a disabled user disabled',
    state: ScopeState.MEMBER,
    user: member,
    existing: (user) => existingFor(user, { status: Status.DISABLED }),
    rules: { userReenabled: ReenableAction.IGNORE },
    expect: [],
    inScope: true,
  },
  {
    name: 'a renamed user is updated with before and after',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ ...member, displayName: 'Renamed' }),
    existing: () => existingFor(member),
    expect: [[ChangeAction.UPDATE, 'attributesChanged']],
    inScope: true,
    check: (plan) => {
      expect(plan.changes[0]?.before).toEqual({ displayName: member.displayName });
      expect(plan.changes[0]?.after).toMatchObject({ displayName: 'Renamed' });
    },
  },
  {
    name: 'attributesChanged IGNORE keeps the old name',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ ...member, displayName: 'Renamed' }),
    existing: () => existingFor(member),
    rules: { attributesChanged: AttributeChangeAction.IGNORE },
    expect: [],
    inScope: true,
  },
  {
    name: 'an email change to an address someone else has is an error, the rest applies',
    state: ScopeState.MEMBER,
    user: makeEntraUser({ ...member, email: 'taken@contoso.example', displayName: 'New' }),
    existing: () => existingFor(member),
    owners: () => [makeUser({ email: 'taken@contoso.example' })],
    expect: [
      [ChangeAction.ERROR, 'attributesChanged'],
      [ChangeAction.UPDATE, 'attributesChanged'],
    ],
    inScope: true,
    check: (plan) => expect(plan.changes[1]?.after).not.toHaveProperty('email'),
  },
  {
    name: 'removed or deleted could not be read: nothing changes, scope kept',
    state: ScopeState.UNKNOWN,
    user: null,
    existing: existingFor,
    expect: [],
    inScope: true,
  },
  {
    name: "another connector's user that left is not ours to touch",
    state: ScopeState.REMOVED,
    user: member,
    existing: (user) => existingFor(user, { connectorId: 'connector-2' }),
    expect: [],
    inScope: false,
  },
];

describe('planUsers (the sync rules, one observation at a time)', () => {
  it.each(cases)('$name', (c) => {
    const existing = c.existing?.(c.user) ?? null;
    const owners = c.owners?.(c.user) ?? [];
    const plan = planUsers({
      companyId: COMPANY,
      connectorId: CONNECTOR,
      rules: makeRules(c.rules),
      observations: [makeObservation(c.state, c.user, existing?.entraId ?? c.user?.id)],
      byEntraId: new Map(existing ? [[existing.entraId!, existing]] : []),
      byEmailKey: new Map(owners.map((o) => [o.emailKey, o])),
      seats: seatCounter(c.seats?.limit ?? null, c.seats?.used ?? 0),
      now: NOW,
    });
    expect(plan.changes.map((ch) => [ch.action, ch.rule])).toEqual(c.expect);
    expect([...plan.scope.values()]).toEqual([c.inScope]);
    if (c.deprovision !== undefined) {
      expect(plan.changes.every((ch) => ch.deprovision === c.deprovision)).toBe(true);
    }
    c.check?.(plan);
  });

  it('two new members with one address: the second is a duplicate', () => {
    const a = makeEntraUser({ email: 'same@contoso.example' });
    const b = makeEntraUser({ email: 'SAME@contoso.example' });
    const plan = planUsers({
      companyId: COMPANY,
      connectorId: CONNECTOR,
      rules: makeRules(),
      observations: [a, b].map((u) => makeObservation(ScopeState.MEMBER, u)),
      byEntraId: new Map(),
      byEmailKey: new Map(),
      seats: seatCounter(null, 0),
      now: NOW,
    });
    expect(plan.changes.map((c) => c.action)).toEqual([ChangeAction.CREATE, ChangeAction.ERROR]);
  });

  it('the first write of a user carries its refreshed Entra facts and adoption', () => {
    const user = makeEntraUser({ displayName: 'Changed' });
    const unmanaged = makeUser({ entraId: user.id, managedBy: null, connectorId: null });
    const plan = planUsers({
      companyId: COMPANY,
      connectorId: CONNECTOR,
      rules: makeRules(),
      observations: [makeObservation(ScopeState.MEMBER, user)],
      byEntraId: new Map([[user.id, unmanaged]]),
      byEmailKey: new Map([[emailKeyOf(COMPANY, unmanaged.email), unmanaged]]),
      seats: seatCounter(null, 0),
      now: NOW,
    });
    const write = plan.changes[0]?.write;
    expect(write).toMatchObject({
      kind: 'updateUser',
      set: { managedBy: ManagedBy.AZURE_AD, connectorId: CONNECTOR, entra: { inScope: true } },
    });
    expect(plan.facts).toEqual([]);
  });

  it('deleteAfterDays: disabled now, soft-deleted once the days have passed', () => {
    const user = makeUser();
    const plan = planUsers({
      companyId: COMPANY,
      connectorId: CONNECTOR,
      rules: makeRules({ deleteAfterDays: 3 }),
      observations: [makeObservation(ScopeState.REMOVED, null, user.entraId!)],
      byEntraId: new Map([[user.entraId!, user]]),
      byEmailKey: new Map(),
      seats: seatCounter(null, 0),
      now: NOW,
    });
    expect(plan.changes[0]?.after).toMatchObject({
      deleteAfter: new Date(NOW.getTime() + 3 * 86_400_000),
    });
    const due = makeUser({ status: Status.DISABLED, deleteAfter: new Date(NOW.getTime() - 1) });
    const notYet = makeUser({ status: Status.DISABLED, deleteAfter: new Date(NOW.getTime() + 1) });
    const deletes = planScheduledDeletes([due, notYet], NOW);
    expect(deletes.map((c) => [c.objectId, c.action, c.rule, c.deprovision])).toEqual([
      [due.entraId, ChangeAction.DELETE, 'deleteAfterDays', true],
    ]);
  });
});
