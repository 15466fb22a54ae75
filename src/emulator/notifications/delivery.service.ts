import { Agent, fetch } from 'undici';
import type { EmulatorContext } from '../emulator-context.js';
import type { DirectoryChange } from '../store/directory-types.js';
import { EndpointHealth } from './endpoint-health.js';
import {
  changeNotification,
  lifecycleNotification,
  matches,
  type LifecycleEvent,
} from './notification-payloads.js';
import type { SubscriptionRecord, SubscriptionStore } from './subscription.store.js';

/** Notifications per POST at most (Graph batches; the limit is not documented: a choice). */
const MAX_PER_POST = 500;

interface Pending {
  payload: object;
  subscriptionId: string;
  /** performance.now() when the change happened: latency is measured from here. */
  since: number;
}

interface Queue {
  url: string;
  lifecycle: boolean;
  items: Pending[];
  timer: NodeJS.Timeout | null;
}

export interface DeliverySettings {
  endpointHealthMinSamples: number;
  slowEndpointDelayMs: number;
  dropDurationMs: number;
  /** Subscriptions not reauthorized this long after a reauthorizationRequired event pause. */
  reauthorizationGraceMs: number;
}

/**
 * Webhook delivery. Directory changes matching live subscriptions are queued per receiver URL
 * and sent together after the batch window (one POST can carry notifications of several
 * subscriptions). A POST counts as delivered on a 2xx within the delivery timeout; otherwise it
 * is retried with exponential backoff until the retry window (Graph: 4 hours) is spent, then
 * dropped with a `missed` lifecycle event. Slow and dropping endpoints follow endpoint-health.ts.
 */
export class DeliveryService {
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly health: EndpointHealth;
  private readonly agent: Agent;
  private stopped = false;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly store: SubscriptionStore,
    private readonly settings: DeliverySettings,
    caCertPem?: string,
  ) {
    this.health = new EndpointHealth(ctx.clock, {
      minSamples: settings.endpointHealthMinSamples,
      dropDurationMs: settings.dropDurationMs,
    });
    this.agent = new Agent(caCertPem ? { connect: { ca: caCertPem } } : {});
  }

  get allowHttp(): boolean {
    return this.ctx.settings.allowHttpNotificationUrls;
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** The undici dispatcher used for receivers (validation requests use it too). */
  get dispatcher(): Agent {
    return this.agent;
  }

  onDirectoryChange(tenantId: string, change: DirectoryChange): void {
    if (this.stopped || !this.store.hasAny(tenantId)) return;
    const since = performance.now();
    for (const subscription of this.store.list(tenantId)) {
      if (!matches(subscription, change)) continue;
      if (this.paused(subscription)) {
        this.ctx.counters.notificationsDropped++;
        continue;
      }
      const payload = changeNotification(subscription, change);
      this.enqueue(subscription.notificationUrl, false, {
        payload,
        subscriptionId: subscription.id,
        since,
      });
    }
  }

  sendLifecycle(subscription: SubscriptionRecord, event: LifecycleEvent): boolean {
    if (!subscription.lifecycleNotificationUrl) return false;
    if (event === 'reauthorizationRequired')
      subscription.reauthorizationRequiredAt = this.ctx.clock.now();
    const payload = lifecycleNotification(subscription, event);
    this.enqueue(subscription.lifecycleNotificationUrl, true, {
      payload,
      subscriptionId: subscription.id,
      since: performance.now(),
    });
    return true;
  }

  /** Resolves once nothing is queued, scheduled or in flight. */
  async idle(): Promise<void> {
    while (
      this.inflight.size > 0 ||
      this.timers.size > 0 ||
      [...this.queues.values()].some((q) => q.items.length > 0)
    ) {
      await Promise.race([...this.inflight, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values()) if (queue.timer) clearTimeout(queue.timer);
    this.queues.clear();
    this.health.clear();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reset();
    await Promise.allSettled([...this.inflight]);
    await this.agent.close();
  }

  /** After a reauthorizationRequired event, delivery continues for a grace period, then pauses. */
  private paused(subscription: SubscriptionRecord): boolean {
    const since = subscription.reauthorizationRequiredAt;
    return since !== null && this.ctx.clock.now() - since > this.settings.reauthorizationGraceMs;
  }

  private enqueue(url: string, lifecycle: boolean, item: Pending): void {
    const key = `${lifecycle ? 'lifecycle' : 'change'} ${url}`;
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { url, lifecycle, items: [], timer: null }));
    queue.items.push(item);
    if (queue.timer) return;
    const state = this.health.state(url);
    const delay =
      this.ctx.settings.notificationBatchWindowMs +
      (state === 'slow' ? this.settings.slowEndpointDelayMs : 0);
    const target = queue;
    target.timer = setTimeout(() => {
      target.timer = null;
      this.flush(target);
    }, delay);
  }

  private flush(queue: Queue): void {
    while (queue.items.length > 0) {
      const items = queue.items.splice(0, MAX_PER_POST);
      if (!queue.lifecycle && this.health.state(queue.url) === 'drop') {
        this.drop(items);
        continue;
      }
      this.track(this.attempt(queue.url, queue.lifecycle, items, 0, performance.now()));
    }
  }

  private async attempt(
    url: string,
    lifecycle: boolean,
    items: Pending[],
    attempt: number,
    firstTry: number,
  ) {
    if (this.stopped) return;
    this.ctx.counters.notificationPosts++;
    const started = performance.now();
    let ok = false;
    let timedOut = false;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ value: items.map((item) => item.payload) }),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.ctx.settings.deliveryTimeoutMs),
      });
      await response.body?.cancel();
      ok = response.status >= 200 && response.status < 300;
    } catch (error) {
      timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    }
    if (!lifecycle)
      this.health.record(
        url,
        timedOut || performance.now() - started > this.ctx.settings.deliveryTimeoutMs,
      );
    if (ok) {
      const now = performance.now();
      for (const item of items) {
        if (lifecycle) this.ctx.counters.lifecycleDelivered++;
        else {
          this.ctx.counters.notificationsDelivered++;
          this.ctx.counters.recordDeliveryLatency(now - item.since);
        }
      }
      return;
    }
    this.ctx.counters.notificationsFailed += items.length;
    const delay = this.ctx.settings.notificationRetryBaseMs * 2 ** attempt;
    if (performance.now() + delay - firstTry > this.ctx.settings.notificationRetryWindowMs) {
      if (lifecycle) this.ctx.counters.notificationsDropped += items.length;
      else this.drop(items);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(url, lifecycle, items, attempt + 1, firstTry));
    }, delay);
    this.timers.add(timer);
  }

  /** Lost for good: count them and tell each affected subscription (`missed`). */
  private drop(items: Pending[]): void {
    this.ctx.counters.notificationsDropped += items.length;
    for (const id of new Set(items.map((item) => item.subscriptionId))) {
      const subscription = this.store.get(id);
      if (subscription) this.sendLifecycle(subscription, 'missed');
    }
  }

  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }
}
