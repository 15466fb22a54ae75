import type {
  LifecycleEventName,
  NotificationHooks,
  SubscriptionSummary,
} from '../control/control.service.js';
import type { EmulatorContext } from '../emulator-context.js';
import type { GraphCall, GraphRouteMeta } from '../graph/graph-call.js';
import type { Router } from '../http/router.js';
import { ControlErrorCode, EmulatorError, notFound } from '../util/errors.js';
import { DeliveryService, type DeliverySettings } from './delivery.service.js';
import { registerSubscriptionRoutes } from './subscription.router.js';
import { EmulatedSubscriptionService } from './emulated-subscription.service.js';
import { SubscriptionStore, type SubscriptionRecord } from './subscription.store.js';

/** Wires subscriptions, delivery and the directory change feed together. */
export class NotificationsModule implements NotificationHooks {
  readonly store: SubscriptionStore;
  readonly delivery: DeliveryService;
  readonly service: EmulatedSubscriptionService;

  constructor(ctx: EmulatorContext, settings: DeliverySettings, caCertPem?: string) {
    this.store = new SubscriptionStore(ctx.clock);
    this.delivery = new DeliveryService(ctx, this.store, settings, caCertPem);
    this.service = new EmulatedSubscriptionService(this.store, this.delivery);
    ctx.registry.onTenantCreated((tenant) => {
      tenant.directory.onChange((change) => this.delivery.onDirectoryChange(tenant.id, change));
    });
  }

  registerRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
    registerSubscriptionRoutes(router, this.service);
  }

  listSubscriptions(tenantId?: string): SubscriptionSummary[] {
    return this.store.list(tenantId).map(summary);
  }

  sendLifecycleEvent(subscriptionId: string, event: LifecycleEventName): void {
    const subscription = this.store.get(subscriptionId);
    if (!subscription) throw notFound('subscription', subscriptionId);
    if (!this.delivery.sendLifecycle(subscription, event)) {
      throw new EmulatorError(
        ControlErrorCode.InvalidRequest,
        'the subscription has no lifecycleNotificationUrl',
      );
    }
  }

  idle(): Promise<void> {
    return this.delivery.idle();
  }

  reset(): void {
    this.store.clear();
    this.delivery.reset();
  }

  stop(): Promise<void> {
    return this.delivery.stop();
  }
}

function summary(s: SubscriptionRecord): SubscriptionSummary {
  return {
    id: s.id,
    tenantId: s.tenantId,
    applicationId: s.applicationId,
    resource: s.resource,
    changeType: s.changeTypes.join(','),
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: new Date(s.expiresAt).toISOString(),
    reauthorizationRequired: s.reauthorizationRequiredAt !== null,
  };
}
