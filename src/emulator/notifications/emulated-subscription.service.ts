import type { GraphCall } from '../graph/graph-call.js';
import { hasPermission } from '../graph/graph-call.js';
import { GraphError, GraphErrorCode, resourceNotFound } from '../graph/graph-error.js';
import { newGuid } from '../util/guid.js';
import type { DeliveryService } from './delivery.service.js';
import type {
  ChangeType,
  SubscriptionRecord,
  SubscriptionStore,
  SubscriptionTarget,
} from './subscription.store.js';
import { validateEndpoint } from './validation.js';

/** subscription.md: users and groups subscriptions live at most 41,760 minutes (< 29 days). */
export const MAX_LIFETIME_MINUTES = 41_760;
export const MAX_PER_APP_PER_TENANT = 100;
export const MAX_PER_TENANT = 1000;
export const MAX_CLIENT_STATE = 128;

export interface SubscriptionInput {
  changeType?: unknown;
  notificationUrl?: unknown;
  lifecycleNotificationUrl?: unknown;
  resource?: unknown;
  expirationDateTime?: unknown;
  clientState?: unknown;
}

const invalid = (message: string) => new GraphError(400, GraphErrorCode.InvalidRequest, message);

/** Creating, renewing, reauthorizing and deleting subscriptions, with Graph's checks. */
export class EmulatedSubscriptionService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly delivery: DeliveryService,
  ) {}

  async create(call: GraphCall, input: SubscriptionInput): Promise<SubscriptionRecord> {
    const { ctx, tenant, principal } = call;
    const changeTypes = parseChangeTypes(input.changeType);
    const target = parseResource(input.resource);
    const scope = target.kind === 'users' || target.kind === 'user' ? 'users' : 'groups';
    if (!hasPermission(call.roles, scope)) {
      throw new GraphError(
        403,
        GraphErrorCode.AuthorizationRequestDenied,
        'Insufficient privileges to complete the operation.',
      );
    }
    if (target.id !== null) {
      const exists =
        target.kind === 'user' ? call.directory.user(target.id) : call.directory.group(target.id);
      if (!exists) throw resourceNotFound(target.id);
    }
    const notificationUrl = this.checkUrl(input.notificationUrl, 'notificationUrl', true)!;
    const lifecycleNotificationUrl = this.checkUrl(
      input.lifecycleNotificationUrl,
      'lifecycleNotificationUrl',
      false,
    );
    const expiresAt = this.checkExpiration(input.expirationDateTime);
    const clientState = parseClientState(input.clientState);
    // subscription.md quotas; the error's code and text are not documented (a choice).
    if (this.store.list(tenant.id, principal.appId).length >= MAX_PER_APP_PER_TENANT) {
      throw new GraphError(
        403,
        GraphErrorCode.ExtensionError,
        `Subscription quota exceeded: at most ${MAX_PER_APP_PER_TENANT} subscriptions per application in a tenant.`,
      );
    }
    if (this.store.list(tenant.id).length >= MAX_PER_TENANT) {
      throw new GraphError(
        403,
        GraphErrorCode.ExtensionError,
        `Subscription quota exceeded: at most ${MAX_PER_TENANT} subscriptions in a tenant.`,
      );
    }
    for (const url of [notificationUrl, lifecycleNotificationUrl]) {
      if (url === null) continue;
      ctx.counters.validationRequests++;
      const result = await validateEndpoint(
        url,
        ctx.settings.validationTimeoutMs,
        this.delivery.dispatcher,
      );
      if (!result.ok) {
        throw invalid(
          `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. The endpoint ${result.reason}.`,
        );
      }
    }
    const subscription: SubscriptionRecord = {
      id: newGuid(),
      tenantId: tenant.id,
      applicationId: principal.appId,
      creatorId: principal.servicePrincipalId,
      resource: String(input.resource),
      target,
      changeTypes,
      notificationUrl,
      lifecycleNotificationUrl,
      clientState,
      expiresAt,
      reauthorizationRequiredAt: null,
    };
    this.store.add(subscription);
    return subscription;
  }

  list(call: GraphCall): SubscriptionRecord[] {
    return this.store.list(call.tenant.id, call.principal.appId);
  }

  find(call: GraphCall, id: string): SubscriptionRecord {
    const subscription = this.store.get(id);
    if (
      !subscription ||
      subscription.tenantId !== call.tenant.id ||
      subscription.applicationId !== call.principal.appId
    ) {
      throw new GraphError(
        404,
        GraphErrorCode.ResourceNotFound,
        `The object was not found: subscription '${id}'.`,
      );
    }
    return subscription;
  }

  /**
   * Renewal. Not documented: whether it validates the notification URL again. It does not here
   * (the URL does not change), and it also reauthorizes, as the lifecycle docs say.
   */
  renew(call: GraphCall, id: string, input: Record<string, unknown>): SubscriptionRecord {
    const subscription = this.find(call, id);
    const unknown = Object.keys(input).filter(
      (key) => key !== 'expirationDateTime' && key !== '@odata.type',
    );
    if (unknown.length > 0)
      throw invalid(`Only expirationDateTime can be updated; got ${unknown.join(', ')}.`);
    subscription.expiresAt = this.checkExpiration(input['expirationDateTime']);
    subscription.reauthorizationRequiredAt = null;
    return subscription;
  }

  reauthorize(call: GraphCall, id: string): void {
    this.find(call, id).reauthorizationRequiredAt = null;
  }

  delete(call: GraphCall, id: string): void {
    this.store.delete(this.find(call, id).id);
  }

  private checkUrl(value: unknown, name: string, required: boolean): string | null {
    if (value === undefined || value === null) {
      if (required) throw invalid(`The property '${name}' is required.`);
      return null;
    }
    if (typeof value !== 'string') throw invalid(`Invalid ${name}: it must be a string.`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(`Invalid ${name}: '${value}' is not a URL.`);
    }
    const local =
      url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    // Dev mode (allowHttpNotificationUrls) lets local receivers skip TLS; Graph never does.
    const httpAllowed = url.protocol === 'http:' && local && this.delivery.allowHttp;
    if (url.protocol !== 'https:' && !httpAllowed) {
      throw invalid(`Invalid ${name}: '${url.toString()}'. The notification URL must use https.`);
    }
    return url.toString();
  }

  /**
   * Not documented: the exact error for an over-long lifetime. Graph answers 400; the emulator
   * says `InvalidRequest` with the limit in the message. Past dates are refused the same way.
   */
  private checkExpiration(value: unknown): number {
    const expiresAt = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(expiresAt))
      throw invalid('expirationDateTime is required and must be a date.');
    const now = this.delivery.now();
    if (expiresAt <= now) throw invalid('Subscription expiration must be in the future.');
    if (expiresAt - now > MAX_LIFETIME_MINUTES * 60_000) {
      throw invalid(
        `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
      );
    }
    return expiresAt;
  }
}

function parseChangeTypes(value: unknown): ChangeType[] {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid('The property changeType is required.');
  const types = value.split(',').map((type) => type.trim());
  for (const type of types) {
    if (type !== 'updated' && type !== 'deleted') {
      throw invalid(
        `ChangeType '${type}' is not supported for users and groups: use 'updated' and/or 'deleted'.`,
      );
    }
  }
  return [...new Set(types)] as ChangeType[];
}

function parseResource(value: unknown): SubscriptionTarget {
  const raw = typeof value === 'string' ? value.trim().replace(/^\/+/, '').replace(/\/+$/, '') : '';
  const parts = raw.split('/');
  const [root, id, tail] = [
    parts[0]?.toLowerCase(),
    parts[1]?.toLowerCase(),
    parts[2]?.toLowerCase(),
  ];
  if (parts.length === 1 && root === 'users') return { kind: 'users', id: null };
  if (parts.length === 1 && root === 'groups') return { kind: 'groups', id: null };
  if (parts.length === 2 && root === 'users' && id) return { kind: 'user', id };
  if (parts.length === 2 && root === 'groups' && id) return { kind: 'group', id };
  if (parts.length === 3 && root === 'groups' && id && tail === 'members')
    return { kind: 'groupMembers', id };
  throw invalid(
    `Resource '${String(value)}' is not supported: use /users, /users/{id}, /groups, /groups/{id} or /groups/{id}/members.`,
  );
}

function parseClientState(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid('clientState must be a string.');
  if (value.length > MAX_CLIENT_STATE) {
    throw invalid(`clientState must not be longer than ${MAX_CLIENT_STATE} characters.`);
  }
  return value;
}
