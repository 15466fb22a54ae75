import type { GroupData, GroupRecord, UserData, UserRecord } from '../store/directory-types.js';
import type {
  AppRecord,
  ConsentDecision,
  SecretRecord,
  ServicePrincipalRecord,
  TenantRecord,
  TenantSettings,
} from '../store/identity-registry.js';

/** Control-API representations: plain JSON, secrets shown only when created. */
export interface TenantView {
  id: string;
  displayName: string;
  defaultDomain: string;
  users: number;
  groups: number;
  memberships: number;
  settings: TenantSettings;
}

export interface SecretView {
  keyId: string;
  hint: string;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
}

export interface CreatedSecret extends SecretView {
  /** The secret value: returned once, on creation, as Entra does. */
  secretText: string;
}

export interface AppView {
  clientId: string;
  displayName: string;
  /** The tenant the app is registered in (single-tenant); null: from another tenant. */
  homeTenantId: string | null;
  requiredPermissions: string[];
  redirectUris: string[];
  consentDecision: { decision: ConsentDecision; tenantId?: string };
  secrets: SecretView[];
}

/** An app's service principal in a tenant and the application permissions granted to it. */
export interface ConsentView {
  tenantId: string;
  clientId: string;
  /** Granted application permissions; empty: no admin consent (yet, or revoked). */
  roles: string[];
  servicePrincipalId: string;
  /** The enterprise application is enabled (false: AADSTS7000112 at the token endpoint). */
  accountEnabled: boolean;
  /** When admin consent last granted permissions; null: never, or revoked since. */
  grantedAt: string | null;
}

export type UserView = UserData & { id: string; state: UserRecord['state'] };
export type GroupView = GroupData & {
  id: string;
  state: GroupRecord['state'];
  memberIds: string[];
};

export function tenantView(tenant: TenantRecord): TenantView {
  const directory = tenant.directory;
  let groups = 0;
  for (const group of directory.groups.values()) if (group.state === 'active') groups++;
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    defaultDomain: tenant.defaultDomain,
    users: directory.activeUserCount,
    groups,
    memberships: directory.memberships.size,
    settings: { ...tenant.settings },
  };
}

export function secretView(secret: SecretRecord, now: number): SecretView {
  return {
    keyId: secret.keyId,
    hint: secret.hint,
    createdAt: new Date(secret.createdAt).toISOString(),
    expiresAt: new Date(secret.expiresAt).toISOString(),
    expired: secret.expiresAt <= now,
  };
}

export function appView(app: AppRecord, now: number): AppView {
  return {
    clientId: app.clientId,
    displayName: app.displayName,
    homeTenantId: app.homeTenantId,
    requiredPermissions: [...app.requiredPermissions],
    redirectUris: [...app.redirectUris],
    consentDecision: { ...app.consentDecision },
    secrets: app.secrets.map((secret) => secretView(secret, now)),
  };
}

export function consentView(tenantId: string, sp: ServicePrincipalRecord): ConsentView {
  return {
    tenantId,
    clientId: sp.clientId,
    roles: [...sp.roles].sort(),
    servicePrincipalId: sp.servicePrincipalId,
    accountEnabled: sp.accountEnabled,
    grantedAt: sp.grantedAt === null ? null : new Date(sp.grantedAt).toISOString(),
  };
}

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    state: user.state,
    ...user.data,
    businessPhones: [...user.data.businessPhones],
  };
}

export function groupView(group: GroupRecord, memberIds: Iterable<string>): GroupView {
  return {
    id: group.id,
    state: group.state,
    ...group.data,
    groupTypes: [...group.data.groupTypes],
    memberIds: [...memberIds],
  };
}
