import { z } from 'zod';

/**
 * The bodies Graph POSTs to notificationUrl and lifecycleNotificationUrl (graph-facts §6). Both
 * carry `{"value":[...]}`, and one POST may mix several subscriptions. Unknown fields are
 * dropped; only what the hub acts on is kept. Limits keep a hostile body cheap to reject.
 */
const id = z.string().min(1).max(256);
const secret = z.string().max(1024).nullish();

export const changeNotificationSchema = z.object({
  subscriptionId: id,
  clientState: secret,
  changeType: z.string().min(1).max(64),
  resource: z.string().max(2048),
  tenantId: z.string().max(64).optional(),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
});

export const lifecycleNotificationSchema = z.object({
  subscriptionId: id,
  clientState: secret,
  lifecycleEvent: z.string().min(1).max(64),
  tenantId: z.string().max(64).optional(),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
});

export const notificationBodySchema = z.object({
  value: z
    .array(z.union([lifecycleNotificationSchema, changeNotificationSchema]))
    .min(1)
    .max(1000),
});

export type ChangeNotification = z.infer<typeof changeNotificationSchema>;
export type LifecycleNotification = z.infer<typeof lifecycleNotificationSchema>;
export type GraphNotification = ChangeNotification | LifecycleNotification;

export function isLifecycle(item: GraphNotification): item is LifecycleNotification {
  return 'lifecycleEvent' in item;
}

/** Lifecycle events Graph sends for user and group subscriptions (and `missed`, generic). */
export enum LifecycleEvent {
  REAUTHORIZATION_REQUIRED = 'reauthorizationRequired',
  SUBSCRIPTION_REMOVED = 'subscriptionRemoved',
  MISSED = 'missed',
}
