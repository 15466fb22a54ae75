/**
 * The receiver benches' load (bench/realtime.bench.ts, bench/webhooks.bench.ts): Graph's
 * validation handshakes and change notifications at a fixed rate, sent from a worker thread
 * (paced-load.ts), with an unmeasured handshake first to warm the worker's HTTP client up.
 */
import { randomUUID } from 'node:crypto';
import { WEBHOOK_PATH } from '../../src/webhooks/webhook.router.js';
import { pacedLoad, type LoadRequest } from './paced-load.js';

export interface BenchSubscription {
  id: string;
  clientState: string;
}

const TOKEN = 'Validation: Testing client application reachability for subscription';

/** `count` validation handshakes against the receiver at `baseUrl`. */
export function validationRequests(baseUrl: string, count: number): LoadRequest[] {
  const url = `${baseUrl}${WEBHOOK_PATH}?validationToken=${encodeURIComponent(TOKEN)}`;
  return Array.from({ length: count }, () => ({ url }));
}

/** `count` POSTs of one change notification each, round-robin over `subscriptions`. */
export function notificationRequests(
  baseUrl: string,
  subscriptions: readonly BenchSubscription[],
  count: number,
  tenantId: string,
): LoadRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const sub = subscriptions[i % subscriptions.length]!;
    return {
      url: `${baseUrl}${WEBHOOK_PATH}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: sub.id,
            clientState: sub.clientState,
            changeType: 'updated',
            resource: `Users/${randomUUID()}`,
            tenantId,
          },
        ],
      }),
    };
  });
}

/**
 * Sends the requests at `rate` per second and returns the latencies (ms, in order) with the
 * number answered 503 (the receiver's "could not persist, retry"); any other status >= 300
 * throws.
 */
export async function receiverLoad(requests: LoadRequest[], rate: number) {
  const warmup = {
    url: `${new URL(requests[0]!.url).origin}${WEBHOOK_PATH}?validationToken=warmup`,
  };
  const { latencies, statuses } = await pacedLoad(requests, rate, warmup);
  const unexpected = statuses.find((status) => status >= 300 && status !== 503);
  if (unexpected !== undefined) throw new Error(`unexpected status ${unexpected}`);
  return Object.assign(latencies, { unavailable: statuses.filter((s) => s === 503).length });
}
