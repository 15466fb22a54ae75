import type { EmulatorContext } from '../emulator-context.js';
import type { FaultSettings } from '../faults/fault.service.js';
import type { RequestLogEntry } from '../observability/request-log.js';
import type { ConsentDecision, TenantSettings } from '../store/identity-registry.js';
import {
  generateTenant,
  type GenerateOptions,
  type GenerateResult,
} from '../store/tenant-generator.js';
import { ControlErrorCode, EmulatorError } from '../util/errors.js';
import { DirectoryControl } from './directory-control.js';
import {
  appView,
  consentView,
  secretView,
  tenantView,
  type AppView,
  type ConsentView,
  type CreatedSecret,
  type TenantView,
} from './views.js';

export type LifecycleEventName = 'reauthorizationRequired' | 'missed' | 'subscriptionRemoved';

export interface SubscriptionSummary {
  id: string;
  tenantId: string;
  applicationId: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  reauthorizationRequired: boolean;
}

/** What the control surface needs from change notifications. */
export interface NotificationHooks {
  listSubscriptions(tenantId?: string): SubscriptionSummary[];
  /** Sends a lifecycle event to the subscription's lifecycleNotificationUrl. */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEventName): void;
  /** Resolves once no notification is queued, awaiting retry or in flight. */
  idle(): Promise<void>;
  reset(): void;
}

export interface AppInput {
  clientId?: string;
  displayName?: string;
  requiredPermissions?: string[];
  redirectUris?: string[];
  /**
   * Registers the app in this tenant (single-tenant, the seed guide's setup): its service
   * principal exists there at once, without permissions until admin consent. Without it the app
   * comes from another tenant and is in none until an admin consents (AADSTS700016 before).
   */
  homeTenantId?: string;
}

/**
 * The emulator's control surface, in-process. The HTTP control API (`/_emulator/...`) is a thin
 * layer over this class, so both stay identical; `RunningEmulator.control` is an instance.
 */
export class EmulatorControl extends DirectoryControl {
  constructor(
    ctx: EmulatorContext,
    private readonly notifications: NotificationHooks,
  ) {
    super(ctx);
  }

  // ---- whole emulator ----

  /** Forgets every tenant, app, subscription, fault, counter and the clock offset. */
  reset(): void {
    this.ctx.registry.clear();
    this.ctx.faults.clear();
    this.ctx.throttle.clear();
    this.ctx.requestLog.clear();
    this.ctx.clock.reset();
    this.ctx.counters.reset();
    this.notifications.reset();
  }

  /** Moves the emulator clock forward (expiring secrets, tokens, delta links, subscriptions). */
  advanceClock(ms: number): string {
    this.ctx.clock.advance(ms);
    return this.now();
  }

  now(): string {
    return this.ctx.clock.nowDate().toISOString();
  }

  // ---- tenants ----

  createTenant(
    input: { id?: string; defaultDomain?: string; displayName?: string } = {},
  ): TenantView {
    return tenantView(this.ctx.registry.createTenant(input));
  }

  getTenant(tenantId: string): TenantView {
    return tenantView(this.ctx.registry.requireTenant(tenantId));
  }

  listTenants(): TenantView[] {
    return this.ctx.registry.listTenants().map(tenantView);
  }

  deleteTenant(tenantId: string): void {
    this.ctx.registry.deleteTenant(tenantId);
  }

  updateTenantSettings(tenantId: string, patch: Partial<TenantSettings>): TenantSettings {
    const tenant = this.ctx.registry.requireTenant(tenantId);
    Object.assign(tenant.settings, patch);
    return { ...tenant.settings };
  }

  generateTenant(tenantId: string, options: GenerateOptions): GenerateResult {
    return generateTenant(this.ctx.registry.requireTenant(tenantId).directory, options);
  }

  // ---- app registrations, secrets, consent ----

  createApp(input: AppInput = {}): AppView {
    return appView(this.ctx.registry.createApp(input), this.ctx.clock.now());
  }

  getApp(clientId: string): AppView {
    return appView(this.ctx.registry.requireApp(clientId), this.ctx.clock.now());
  }

  listApps(): AppView[] {
    return this.ctx.registry.listApps().map((app) => appView(app, this.ctx.clock.now()));
  }

  updateApp(clientId: string, patch: Omit<AppInput, 'clientId' | 'homeTenantId'>): AppView {
    const app = this.ctx.registry.requireApp(clientId);
    if (patch.displayName !== undefined) app.displayName = patch.displayName;
    if (patch.requiredPermissions !== undefined)
      app.requiredPermissions = [...patch.requiredPermissions];
    if (patch.redirectUris !== undefined) app.redirectUris = [...patch.redirectUris];
    return appView(app, this.ctx.clock.now());
  }

  deleteApp(clientId: string): void {
    this.ctx.registry.deleteApp(clientId);
  }

  /** `expiresAt` (ISO) or `expiresInSeconds`; default 180 days, like the Entra portal. */
  addSecret(
    clientId: string,
    options: { expiresAt?: string; expiresInSeconds?: number } = {},
  ): CreatedSecret {
    const now = this.ctx.clock.now();
    const expiresAt =
      options.expiresAt !== undefined
        ? Date.parse(options.expiresAt)
        : options.expiresInSeconds !== undefined
          ? now + options.expiresInSeconds * 1000
          : undefined;
    if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
      throw new EmulatorError(ControlErrorCode.InvalidRequest, 'expiresAt is not a date');
    }
    const secret = this.ctx.registry.addSecret(clientId, expiresAt);
    return { ...secretView(secret, now), secretText: secret.value };
  }

  expireSecret(clientId: string, keyId: string): void {
    this.ctx.registry.expireSecret(clientId, keyId);
  }

  removeSecret(clientId: string, keyId: string): void {
    this.ctx.registry.removeSecret(clientId, keyId);
  }

  /** How the next admin-consent requests for this app end (no browser involved). */
  setConsentDecision(clientId: string, decision: ConsentDecision, tenantId?: string): AppView {
    const app = this.ctx.registry.requireApp(clientId);
    if (tenantId !== undefined) this.ctx.registry.requireTenant(tenantId);
    app.consentDecision = tenantId === undefined ? { decision } : { decision, tenantId };
    return appView(app, this.ctx.clock.now());
  }

  /**
   * Admin consent as if an admin accepted: installs the app in the tenant if it is not there
   * (a multi-tenant app) and grants `roles` (default: the app's required permissions).
   */
  grantConsent(tenantId: string, clientId: string, roles?: string[]): ConsentView {
    const sp = this.ctx.registry.grantConsent(tenantId, clientId, roles);
    return consentView(this.ctx.registry.requireTenant(tenantId).id, sp);
  }

  /** Removes the granted permissions; the service principal stays (tokens come without roles). */
  revokeConsent(tenantId: string, clientId: string): ConsentView {
    const sp = this.ctx.registry.revokeConsent(tenantId, clientId);
    return consentView(this.ctx.registry.requireTenant(tenantId).id, sp);
  }

  /** Replaces the granted application permissions of the app in the tenant (none: `[]`). */
  setGrantedPermissions(tenantId: string, clientId: string, roles: string[]): ConsentView {
    const sp = this.ctx.registry.setGrantedPermissions(tenantId, clientId, roles);
    return consentView(this.ctx.registry.requireTenant(tenantId).id, sp);
  }

  /** Disables (AADSTS7000112) or enables the app's enterprise application in the tenant. */
  setServicePrincipalEnabled(tenantId: string, clientId: string, enabled: boolean): ConsentView {
    const sp = this.ctx.registry.setServicePrincipalEnabled(tenantId, clientId, enabled);
    return consentView(this.ctx.registry.requireTenant(tenantId).id, sp);
  }

  /** Deletes the app's enterprise application from the tenant (AADSTS700016 afterwards). */
  deleteServicePrincipal(tenantId: string, clientId: string): void {
    this.ctx.registry.deleteServicePrincipal(tenantId, clientId);
  }

  /** Every app with a service principal in the tenant, with what was granted to it. */
  listConsents(tenantId: string): ConsentView[] {
    const tenant = this.ctx.registry.requireTenant(tenantId);
    return [...tenant.servicePrincipals.values()].map((sp) => consentView(tenant.id, sp));
  }

  // ---- faults ----

  setFaults(tenantId: string, settings: FaultSettings): FaultSettings {
    return this.ctx.faults.set(this.ctx.registry.requireTenant(tenantId).id, settings);
  }

  getFaults(tenantId: string): FaultSettings {
    return this.ctx.faults.get(this.ctx.registry.requireTenant(tenantId).id);
  }

  clearFaults(tenantId: string): void {
    this.ctx.faults.clear(this.ctx.registry.requireTenant(tenantId).id);
  }

  /** Every delta link and skip token issued so far answers 400 `syncStateNotFound`. */
  expireDeltaTokens(tenantId: string): void {
    const delta = this.ctx.registry.requireTenant(tenantId).delta;
    delta.expiredBelow = ++delta.generation;
  }

  /** Every delta link and skip token issued so far answers 410 Gone with a `Location`. */
  forceDeltaReset(tenantId: string): void {
    const delta = this.ctx.registry.requireTenant(tenantId).delta;
    delta.resetBelow = ++delta.generation;
  }

  // ---- change notifications ----

  listSubscriptions(tenantId?: string): SubscriptionSummary[] {
    return this.notifications.listSubscriptions(tenantId);
  }

  /** `reauthorizationRequired` (or `missed`, `subscriptionRemoved`) on demand. */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEventName): void {
    this.notifications.sendLifecycleEvent(subscriptionId, event);
  }

  /** Waits until every pending notification was delivered, dropped or given up. */
  waitForNotifications(): Promise<void> {
    return this.notifications.idle();
  }

  // ---- observability ----

  requestLog(limit?: number): RequestLogEntry[] {
    return this.ctx.requestLog.recent(limit);
  }

  clearRequestLog(): void {
    this.ctx.requestLog.clear();
  }

  counters(): ReturnType<EmulatorContext['counters']['snapshot']> {
    return this.ctx.counters.snapshot();
  }
}
