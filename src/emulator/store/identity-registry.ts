import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from '../clock.js';
import { ControlErrorCode, EmulatorError, notFound } from '../util/errors.js';
import { isGuid, newGuid } from '../util/guid.js';
import { TenantDirectory } from './tenant-directory.js';

export const GRAPH_APP_PERMISSIONS = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
] as const;

export interface TenantSettings {
  /** Objects per delta page (users and groups); `Prefer: odata.maxpagesize` overrides it. */
  deltaPageSize: number;
  /** `members@delta` entries per delta page; a larger group continues on the next page. */
  deltaMembersPerPage: number;
  /**
   * Most objects per page of a listing (users, groups, members) whatever `$top` asks: Graph may
   * page server-side and return fewer than `$top`, so clients must follow nextLink regardless.
   * 999 (the largest `$top`) means `$top` is honoured as sent.
   */
  listPageSize: number;
}

export interface TenantRecord {
  id: string;
  displayName: string;
  defaultDomain: string;
  directory: TenantDirectory;
  /** Client id -> what the tenant's admin consented to. */
  consents: Map<string, ConsentGrant>;
  settings: TenantSettings;
  delta: DeltaEpochs;
}

/**
 * Delta tokens carry the generation they were issued in; the control API's "expire all delta
 * tokens" and "force a reset" raise the thresholds so older tokens get 400 or 410.
 */
export interface DeltaEpochs {
  generation: number;
  expiredBelow: number;
  resetBelow: number;
}

export interface ConsentGrant {
  clientId: string;
  /** Application permissions (app roles) granted; empty means consented without permissions. */
  roles: Set<string>;
  /** The app's service principal in this tenant: `oid`/`sub` of its tokens. */
  servicePrincipalId: string;
  grantedAt: number;
}

export interface SecretRecord {
  keyId: string;
  hint: string;
  value: string;
  createdAt: number;
  expiresAt: number;
}

export type ConsentDecision = 'accept' | 'deny' | 'consent_required';

export interface AppRecord {
  clientId: string;
  displayName: string;
  secrets: SecretRecord[];
  /** Application permissions the registration asks for; admin consent grants these. */
  requiredPermissions: string[];
  /** Empty: any redirect URI is accepted (a choice; Entra requires registered ones). */
  redirectUris: string[];
  /** How the browserless admin-consent page answers, and for `organizations`, which tenant. */
  consentDecision: { decision: ConsentDecision; tenantId?: string };
}

const DEFAULT_SETTINGS: TenantSettings = {
  deltaPageSize: 100,
  deltaMembersPerPage: 500,
  listPageSize: 999,
};

/** Tenants and app registrations, and the consent that links them. */
export class IdentityRegistry {
  private readonly tenants = new Map<string, TenantRecord>();
  private readonly domains = new Map<string, string>();
  private readonly apps = new Map<string, AppRecord>();
  private readonly tenantListeners: Array<(tenant: TenantRecord) => void> = [];

  constructor(private readonly clock: EmulatorClock) {}

  /** Called for every tenant created from now on (change notifications hook in here). */
  onTenantCreated(listener: (tenant: TenantRecord) => void): void {
    this.tenantListeners.push(listener);
  }

  createTenant(input: { id?: string; defaultDomain?: string; displayName?: string }): TenantRecord {
    const id = (input.id ?? newGuid()).toLowerCase();
    if (!isGuid(id))
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'tenant id must be a GUID');
    if (this.tenants.has(id))
      throw new EmulatorError(ControlErrorCode.Conflict, `tenant '${id}' exists`);
    const defaultDomain = (
      input.defaultDomain ?? `contoso${id.slice(0, 6)}.onmicrosoft.com`
    ).toLowerCase();
    if (this.domains.has(defaultDomain)) {
      throw new EmulatorError(ControlErrorCode.Conflict, `domain '${defaultDomain}' is taken`);
    }
    const tenant: TenantRecord = {
      id,
      displayName: input.displayName ?? defaultDomain.split('.')[0]!,
      defaultDomain,
      directory: new TenantDirectory(id, defaultDomain, this.clock),
      consents: new Map(),
      settings: { ...DEFAULT_SETTINGS },
      delta: { generation: 1, expiredBelow: 0, resetBelow: 0 },
    };
    this.tenants.set(id, tenant);
    this.domains.set(defaultDomain, id);
    for (const listener of this.tenantListeners) listener(tenant);
    return tenant;
  }

  deleteTenant(id: string): void {
    const tenant = this.requireTenant(id);
    this.tenants.delete(tenant.id);
    this.domains.delete(tenant.defaultDomain);
  }

  /** By GUID or by domain name, as the `{tenant}` segment of identity URLs allows. */
  findTenant(idOrDomain: string): TenantRecord | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenants.get(key) ?? this.tenants.get(this.domains.get(key) ?? '');
  }

  requireTenant(idOrDomain: string): TenantRecord {
    const tenant = this.findTenant(idOrDomain);
    if (!tenant) throw notFound('tenant', idOrDomain);
    return tenant;
  }

  listTenants(): TenantRecord[] {
    return [...this.tenants.values()];
  }

  createApp(input: {
    clientId?: string;
    displayName?: string;
    requiredPermissions?: string[];
    redirectUris?: string[];
  }): AppRecord {
    const clientId = (input.clientId ?? newGuid()).toLowerCase();
    if (!isGuid(clientId))
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'clientId must be a GUID');
    if (this.apps.has(clientId))
      throw new EmulatorError(ControlErrorCode.Conflict, `app '${clientId}' exists`);
    const app: AppRecord = {
      clientId,
      displayName: input.displayName ?? 'Connector hub',
      secrets: [],
      requiredPermissions: input.requiredPermissions ?? ['User.Read.All', 'Group.Read.All'],
      redirectUris: input.redirectUris ?? [],
      consentDecision: { decision: 'accept' },
    };
    this.apps.set(clientId, app);
    return app;
  }

  findApp(clientId: string): AppRecord | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  requireApp(clientId: string): AppRecord {
    const app = this.findApp(clientId);
    if (!app) throw notFound('app', clientId);
    return app;
  }

  listApps(): AppRecord[] {
    return [...this.apps.values()];
  }

  deleteApp(clientId: string): void {
    const app = this.requireApp(clientId);
    this.apps.delete(app.clientId);
    for (const tenant of this.tenants.values()) tenant.consents.delete(app.clientId);
  }

  /** A new client secret; Entra shows its value once, so does this. */
  addSecret(clientId: string, expiresAt?: number): SecretRecord {
    const app = this.requireApp(clientId);
    const now = this.clock.now();
    const value = `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(30)
      .toString('base64url')
      .slice(0, 37)}`;
    const secret: SecretRecord = {
      keyId: newGuid(),
      hint: value.slice(0, 3),
      value,
      createdAt: now,
      expiresAt: expiresAt ?? now + 180 * 24 * 3600_000,
    };
    app.secrets.push(secret);
    return secret;
  }

  expireSecret(clientId: string, keyId: string): SecretRecord {
    const secret = this.requireSecret(clientId, keyId);
    secret.expiresAt = Math.min(secret.expiresAt, this.clock.now() - 1);
    return secret;
  }

  removeSecret(clientId: string, keyId: string): void {
    const app = this.requireApp(clientId);
    this.requireSecret(clientId, keyId);
    app.secrets = app.secrets.filter((secret) => secret.keyId !== keyId);
  }

  grantConsent(tenantId: string, clientId: string, roles?: string[]): ConsentGrant {
    const tenant = this.requireTenant(tenantId);
    const app = this.requireApp(clientId);
    const existing = tenant.consents.get(app.clientId);
    const grant: ConsentGrant = {
      clientId: app.clientId,
      roles: new Set(roles ?? app.requiredPermissions),
      servicePrincipalId: existing?.servicePrincipalId ?? newGuid(),
      grantedAt: this.clock.now(),
    };
    tenant.consents.set(app.clientId, grant);
    return grant;
  }

  revokeConsent(tenantId: string, clientId: string): void {
    const tenant = this.requireTenant(tenantId);
    if (!tenant.consents.delete(clientId.toLowerCase())) throw notFound('consent', clientId);
  }

  clear(): void {
    this.tenants.clear();
    this.domains.clear();
    this.apps.clear();
  }

  private requireSecret(clientId: string, keyId: string): SecretRecord {
    const secret = this.requireApp(clientId).secrets.find((s) => s.keyId === keyId);
    if (!secret) throw notFound('secret', keyId);
    return secret;
  }
}
