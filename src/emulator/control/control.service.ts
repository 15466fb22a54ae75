import type { EmulatorContext } from '../emulator-context.js';
import type { FaultSettings } from '../faults/fault.service.js';
import type { RequestLogEntry } from '../observability/request-log.js';
import type { GroupData, OtherObjectType, UserData } from '../store/directory-types.js';
import type { ConsentDecision, TenantSettings } from '../store/identity-registry.js';
import {
  generateTenant,
  type GenerateOptions,
  type GenerateResult,
} from '../store/tenant-generator.js';
import type { GroupInput, UserInput } from '../store/tenant-directory.js';
import { ControlErrorCode, EmulatorError } from '../util/errors.js';
import {
  appView,
  consentView,
  groupView,
  secretView,
  tenantView,
  userView,
  type AppView,
  type ConsentView,
  type CreatedSecret,
  type GroupView,
  type TenantView,
  type UserView,
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
}

/**
 * The emulator's control surface, in-process. The HTTP control API (`/_emulator/...`) is a thin
 * layer over this class, so both stay identical; `RunningEmulator.control` is an instance.
 */
export class EmulatorControl {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly notifications: NotificationHooks,
  ) {}

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

  updateApp(clientId: string, patch: Omit<AppInput, 'clientId'>): AppView {
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

  /** Consent as if an admin accepted; `roles` defaults to the app's required permissions. */
  grantConsent(tenantId: string, clientId: string, roles?: string[]): ConsentView {
    const grant = this.ctx.registry.grantConsent(tenantId, clientId, roles);
    return consentView(this.ctx.registry.requireTenant(tenantId).id, grant);
  }

  revokeConsent(tenantId: string, clientId: string): void {
    this.ctx.registry.revokeConsent(tenantId, clientId);
  }

  /** Replaces the granted application permissions of a consented app (none: `[]`). */
  setGrantedPermissions(tenantId: string, clientId: string, roles: string[]): ConsentView {
    const tenant = this.ctx.registry.requireTenant(tenantId);
    const grant = tenant.consents.get(clientId.toLowerCase());
    if (!grant)
      throw new EmulatorError(ControlErrorCode.NotFound, `app '${clientId}' is not consented`);
    grant.roles = new Set(roles);
    return consentView(tenant.id, grant);
  }

  listConsents(tenantId: string): ConsentView[] {
    const tenant = this.ctx.registry.requireTenant(tenantId);
    return [...tenant.consents.values()].map((grant) => consentView(tenant.id, grant));
  }

  // ---- users ----

  createUser(tenantId: string, input: UserInput): UserView {
    return userView(this.directory(tenantId).createUser(input));
  }

  getUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).requireUser(userId, ['active', 'softDeleted']));
  }

  listUsers(tenantId: string): UserView[] {
    const out: UserView[] = [];
    for (const user of this.directory(tenantId).users.after(0)) {
      if (user.state !== 'deleted') out.push(userView(user));
    }
    return out;
  }

  updateUser(tenantId: string, userId: string, patch: Partial<UserData>): UserView {
    return userView(this.directory(tenantId).updateUser(userId, patch));
  }

  disableUser(tenantId: string, userId: string): UserView {
    return this.updateUser(tenantId, userId, { accountEnabled: false });
  }

  enableUser(tenantId: string, userId: string): UserView {
    return this.updateUser(tenantId, userId, { accountEnabled: true });
  }

  softDeleteUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).softDeleteUser(userId));
  }

  restoreUser(tenantId: string, userId: string): UserView {
    return userView(this.directory(tenantId).restoreUser(userId));
  }

  hardDeleteUser(tenantId: string, userId: string): void {
    this.directory(tenantId).hardDeleteUser(userId);
  }

  // ---- groups and members ----

  createGroup(tenantId: string, input: GroupInput): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.createGroup(input);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  getGroup(tenantId: string, groupId: string): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.requireGroup(groupId, ['active', 'softDeleted']);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  updateGroup(tenantId: string, groupId: string, patch: Partial<GroupData>): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.updateGroup(groupId, patch);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  deleteGroup(tenantId: string, groupId: string, options: { soft?: boolean } = {}): void {
    this.directory(tenantId).deleteGroup(groupId, options.soft ?? false);
  }

  restoreGroup(tenantId: string, groupId: string): GroupView {
    const directory = this.directory(tenantId);
    const group = directory.restoreGroup(groupId);
    return groupView(group, directory.memberships.membersOf(group.id).keys());
  }

  /** Adds users, groups, devices or service principals; returns how many were new. */
  addMembers(tenantId: string, groupId: string, memberIds: string[]): number {
    const directory = this.directory(tenantId);
    directory.requireGroup(groupId);
    for (const id of memberIds) if (!directory.object(id)) directory.requireUser(id);
    return memberIds.filter((id) => directory.addMember(groupId, id)).length;
  }

  removeMember(tenantId: string, groupId: string, memberId: string): void {
    if (!this.directory(tenantId).removeMember(groupId, memberId)) {
      throw new EmulatorError(
        ControlErrorCode.NotFound,
        `'${memberId}' is not a member of '${groupId}'`,
      );
    }
  }

  /** A device, service principal or contact: a member type consumers must skip. */
  createDirectoryObject(
    tenantId: string,
    input: { type: OtherObjectType; displayName: string; externalId?: string },
  ): { id: string; type: OtherObjectType; displayName: string } {
    const record = this.directory(tenantId).createOther(
      input.type,
      input.displayName,
      input.externalId ?? null,
    );
    return { id: record.id, type: record.type, displayName: record.displayName };
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

  private directory(tenantId: string) {
    return this.ctx.registry.requireTenant(tenantId).directory;
  }
}
