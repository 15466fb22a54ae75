import { randomUUID } from 'node:crypto';
import { DirectoryUserStatus, ManagedBy, emailKeyOf } from '../../src/domain/directory.js';
import type { EntraUser } from '../../src/domain/entra.js';
import { DEFAULT_SYNC_RULES, type SyncRules } from '../../src/domain/sync-rules.js';
import type { ExistingGroup } from '../../src/sync/plan/group-planner.js';
import {
  type ScopeState,
  type ExistingUser,
  type UserObservation,
} from '../../src/sync/plan/plan.types.js';

export const COMPANY = 'company-1';
export const CONNECTOR = 'connector-1';

/** An Entra user as a reader returns it. */
export function makeEntraUser(partial: Partial<EntraUser> = {}): EntraUser {
  const id = partial.id ?? randomUUID();
  return {
    id,
    email: `${id.slice(0, 8)}@contoso.example`,
    displayName: `User ${id.slice(0, 8)}`,
    givenName: 'Given',
    surname: 'Sur',
    enabled: true,
    guest: false,
    ...partial,
  };
}

/** A directory user synced by CONNECTOR, in scope and active, matching `user` when given. */
export function makeUser(partial: Partial<ExistingUser> = {}, user?: EntraUser): ExistingUser {
  const entra = user ?? makeEntraUser({ id: partial.entraId ?? randomUUID() });
  const email = partial.email ?? entra.email!;
  return {
    id: randomUUID().replace(/-/g, '').slice(0, 24),
    entraId: entra.id,
    email,
    emailKey: emailKeyOf(COMPANY, email),
    displayName: entra.displayName,
    givenName: entra.givenName,
    surname: entra.surname,
    status: DirectoryUserStatus.ACTIVE,
    statusReason: null,
    managedBy: ManagedBy.AZURE_AD,
    connectorId: CONNECTOR,
    entra: { inScope: true, enabled: true, deleted: false, guest: entra.guest },
    disabledAt: null,
    deleteAfter: null,
    deletedAt: null,
    ...partial,
  };
}

export function makeObservation(
  state: ScopeState,
  user: EntraUser | null,
  entraId = user?.id ?? randomUUID(),
): UserObservation {
  return { entraId, state, user };
}

export function makeRules(partial: Partial<SyncRules> = {}): SyncRules {
  return { ...DEFAULT_SYNC_RULES, ...partial };
}

export function makeGroup(partial: Partial<ExistingGroup> = {}): ExistingGroup {
  return {
    id: randomUUID().replace(/-/g, '').slice(0, 24),
    entraId: randomUUID(),
    name: 'Engineering',
    memberCount: 0,
    managedBy: ManagedBy.AZURE_AD,
    connectorId: CONNECTOR,
    ...partial,
  };
}
