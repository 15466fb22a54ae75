import type { EmulatorClock } from '../clock.js';

export type ChangeType = 'updated' | 'deleted';

/** A subscription's target, parsed: `/users`, `/users/{id}`, `/groups`, `/groups/{id}[/members]`. */
export type SubscriptionTarget =
  | { kind: 'users'; id: null }
  | { kind: 'user'; id: string }
  | { kind: 'groups'; id: null }
  | { kind: 'group'; id: string }
  | { kind: 'groupMembers'; id: string };

export interface SubscriptionRecord {
  id: string;
  tenantId: string;
  applicationId: string;
  creatorId: string;
  /** As the client sent it (Graph echoes it). */
  resource: string;
  target: SubscriptionTarget;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  /** Set when a reauthorizationRequired event was sent; cleared by reauthorize or renewal. */
  reauthorizationRequiredAt: number | null;
}

/** Subscriptions by id; expired ones are removed when next looked at, as Graph deletes them. */
export class SubscriptionStore {
  private readonly byId = new Map<string, SubscriptionRecord>();

  constructor(private readonly clock: EmulatorClock) {}

  add(subscription: SubscriptionRecord): void {
    this.byId.set(subscription.id, subscription);
  }

  get(id: string): SubscriptionRecord | undefined {
    const subscription = this.byId.get(id);
    if (subscription && subscription.expiresAt <= this.clock.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return subscription;
  }

  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  /** Live subscriptions, optionally of one tenant (and app). */
  list(tenantId?: string, applicationId?: string): SubscriptionRecord[] {
    const now = this.clock.now();
    const out: SubscriptionRecord[] = [];
    for (const subscription of this.byId.values()) {
      if (subscription.expiresAt <= now) {
        this.byId.delete(subscription.id);
        continue;
      }
      if (tenantId !== undefined && subscription.tenantId !== tenantId) continue;
      if (applicationId !== undefined && subscription.applicationId !== applicationId) continue;
      out.push(subscription);
    }
    return out;
  }

  hasAny(tenantId: string): boolean {
    for (const subscription of this.byId.values())
      if (subscription.tenantId === tenantId) return true;
    return false;
  }

  clear(): void {
    this.byId.clear();
  }
}
