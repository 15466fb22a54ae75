import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from '../clock.js';
import { ControlErrorCode, EmulatorError, notFound } from '../util/errors.js';
import { isGuid, newGuid } from '../util/guid.js';
import { TenantDirectory } from './tenant-directory.js';
import type {
  AppRecord,
  ServicePrincipalRecord,
  SecretRecord,
  TenantRecord,
  TenantSettings,
} from './identity-types.js';

export * from './identity-types.js';

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
      servicePrincipals: new Map(),
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
    homeTenantId?: string;
  }): AppRecord {
    const clientId = (input.clientId ?? newGuid()).toLowerCase();
    if (!isGuid(clientId))
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'clientId must be a GUID');
    if (this.apps.has(clientId))
      throw new EmulatorError(ControlErrorCode.Conflict, `app '${clientId}' exists`);
    const home = input.homeTenantId === undefined ? null : this.requireTenant(input.homeTenantId);
    const app: AppRecord = {
      clientId,
      displayName: input.displayName ?? 'Connector hub',
      homeTenantId: home?.id ?? null,
      secrets: [],
      requiredPermissions: input.requiredPermissions ?? ['User.Read.All', 'Group.Read.All'],
      redirectUris: input.redirectUris ?? [],
      consentDecision: { decision: 'accept' },
    };
    this.apps.set(clientId, app);
    // Registering an app in a tenant creates its service principal there, without permissions
    // (https://learn.microsoft.com/en-us/entra/identity-platform/app-objects-and-service-principals).
    if (home) this.ensureServicePrincipal(home, app);
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
    for (const tenant of this.tenants.values()) tenant.servicePrincipals.delete(app.clientId);
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

  /** The app's service principal in the tenant, if it has one. */
  findServicePrincipal(tenant: TenantRecord, clientId: string) {
    return tenant.servicePrincipals.get(clientId.toLowerCase());
  }

  requireServicePrincipal(tenantId: string, clientId: string): ServicePrincipalRecord {
    const tenant = this.requireTenant(tenantId);
    const sp = this.findServicePrincipal(tenant, clientId);
    if (!sp) throw notFound('service principal of app', clientId);
    return sp;
  }

  /**
   * Admin consent: installs the app in the tenant if it is not there yet (a multi-tenant app)
   * and grants `roles` (default: the app's required permissions) as application permissions.
   */
  grantConsent(tenantId: string, clientId: string, roles?: string[]): ServicePrincipalRecord {
    const tenant = this.requireTenant(tenantId);
    const app = this.requireApp(clientId);
    const sp = this.ensureServicePrincipal(tenant, app);
    sp.roles = new Set(roles ?? app.requiredPermissions);
    sp.grantedAt = this.clock.now();
    return sp;
  }

  /**
   * Revoking admin consent removes the granted application permissions; the service principal
   * stays, so tokens are still issued, without `roles`.
   */
  revokeConsent(tenantId: string, clientId: string): ServicePrincipalRecord {
    const sp = this.requireServicePrincipal(tenantId, clientId);
    sp.roles = new Set();
    sp.grantedAt = null;
    return sp;
  }

  /** Replaces the granted application permissions (`[]`: none). */
  setGrantedPermissions(tenantId: string, clientId: string, roles: string[]) {
    const sp = this.requireServicePrincipal(tenantId, clientId);
    sp.roles = new Set(roles);
    sp.grantedAt = roles.length > 0 ? this.clock.now() : null;
    return sp;
  }

  /** Disables (AADSTS7000112) or enables the app's service principal in the tenant. */
  setServicePrincipalEnabled(tenantId: string, clientId: string, enabled: boolean) {
    const sp = this.requireServicePrincipal(tenantId, clientId);
    sp.accountEnabled = enabled;
    return sp;
  }

  /** Deletes the enterprise application: the app is no longer in the tenant (AADSTS700016). */
  deleteServicePrincipal(tenantId: string, clientId: string): void {
    const tenant = this.requireTenant(tenantId);
    this.requireServicePrincipal(tenant.id, clientId);
    tenant.servicePrincipals.delete(clientId.toLowerCase());
  }

  private ensureServicePrincipal(tenant: TenantRecord, app: AppRecord): ServicePrincipalRecord {
    let sp = tenant.servicePrincipals.get(app.clientId);
    if (!sp) {
      sp = {
        clientId: app.clientId,
        servicePrincipalId: newGuid(),
        accountEnabled: true,
        roles: new Set(),
        createdAt: this.clock.now(),
        grantedAt: null,
      };
      tenant.servicePrincipals.set(app.clientId, sp);
    }
    return sp;
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
