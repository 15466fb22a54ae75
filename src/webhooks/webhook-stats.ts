/**
 * Counters of what the receiver saw. Rejections are counted, not echoed: a clientState mismatch
 * is logged with the subscription id only, never with the value that was sent.
 */
export interface WebhookStats {
  validations: number;
  requests: number;
  notifications: number;
  accepted: number;
  unknownSubscription: number;
  clientStateMismatch: number;
  unknownLifecycleEvent: number;
  malformed: number;
  tooLarge: number;
  unsupportedMediaType: number;
  persistFailures: number;
}

export function newWebhookStats(): WebhookStats {
  return {
    validations: 0,
    requests: 0,
    notifications: 0,
    accepted: 0,
    unknownSubscription: 0,
    clientStateMismatch: 0,
    unknownLifecycleEvent: 0,
    malformed: 0,
    tooLarge: 0,
    unsupportedMediaType: 0,
    persistFailures: 0,
  };
}
