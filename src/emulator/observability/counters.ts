/** Upper bounds (ms) of the notification latency histogram; the last bucket is open. */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 60_000];

const MAX_SAMPLES = 10_000;

/** Counters exposed by `GET /_emulator/counters`. */
export class Counters {
  requests = 0;
  requestsByRoute = new Map<string, number>();
  responsesByStatus = new Map<number, number>();
  throttled = 0;
  injectedFaults = 0;
  resourceUnits = 0;
  resourceUnitsByTenant = new Map<string, number>();
  tokensIssued = 0;
  tokenErrors = 0;
  adminConsents = 0;
  notificationsDelivered = 0;
  notificationsFailed = 0;
  notificationsDropped = 0;
  notificationPosts = 0;
  validationRequests = 0;
  lifecycleDelivered = 0;
  private readonly latencyHistogram = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private latencySamples: number[] = [];

  reset(): void {
    Object.assign(this, new Counters());
  }

  countRequest(route: string, status: number): void {
    this.requests++;
    this.requestsByRoute.set(route, (this.requestsByRoute.get(route) ?? 0) + 1);
    this.responsesByStatus.set(status, (this.responsesByStatus.get(status) ?? 0) + 1);
    if (status === 429) this.throttled++;
  }

  chargeUnits(tenantId: string, units: number): void {
    this.resourceUnits += units;
    this.resourceUnitsByTenant.set(
      tenantId,
      (this.resourceUnitsByTenant.get(tenantId) ?? 0) + units,
    );
  }

  /** Time from the directory change to the receiver's 2xx, per notification. */
  recordDeliveryLatency(ms: number): void {
    const index = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
    this.latencyHistogram[index === -1 ? LATENCY_BUCKETS_MS.length : index]!++;
    this.latencySamples.push(ms);
    if (this.latencySamples.length > MAX_SAMPLES * 1.25) {
      this.latencySamples = this.latencySamples.slice(-MAX_SAMPLES);
    }
  }

  latency() {
    const sorted = [...this.latencySamples].sort((a, b) => a - b);
    const pick = (q: number) =>
      sorted.length === 0
        ? null
        : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return {
      count: sorted.length,
      medianMs: pick(0.5),
      p95Ms: pick(0.95),
      maxMs: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
      histogram: LATENCY_BUCKETS_MS.map((le, i) => ({
        le,
        count: this.latencyHistogram[i]!,
      })).concat([
        { le: Number.POSITIVE_INFINITY, count: this.latencyHistogram[LATENCY_BUCKETS_MS.length]! },
      ]),
    };
  }

  snapshot() {
    const latency = this.latency();
    return {
      requests: this.requests,
      requestsByRoute: Object.fromEntries(this.requestsByRoute),
      responsesByStatus: Object.fromEntries(this.responsesByStatus),
      throttled: this.throttled,
      injectedFaults: this.injectedFaults,
      resourceUnits: this.resourceUnits,
      resourceUnitsByTenant: Object.fromEntries(this.resourceUnitsByTenant),
      tokensIssued: this.tokensIssued,
      tokenErrors: this.tokenErrors,
      adminConsents: this.adminConsents,
      notifications: {
        delivered: this.notificationsDelivered,
        failed: this.notificationsFailed,
        dropped: this.notificationsDropped,
        posts: this.notificationPosts,
        validationRequests: this.validationRequests,
        lifecycleDelivered: this.lifecycleDelivered,
        latency: {
          ...latency,
          // JSON has no Infinity: the open bucket is reported as le: null.
          histogram: latency.histogram.map((b) => ({
            le: Number.isFinite(b.le) ? b.le : null,
            count: b.count,
          })),
        },
      },
    };
  }
}
