import type { EmulatorClock } from '../clock.js';

const WINDOW_SECONDS = 10;

interface Bucket {
  second: number;
  units: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * The per app+tenant resource-unit budget, as a 10-second window of one-second buckets on the
 * emulator clock (so a test can advance the clock instead of sleeping). A rejected request costs
 * nothing; Retry-After is the time until the oldest bucket leaves the window, in seconds with
 * millisecond precision, as Graph writes it ("Retry-After: 2.128",
 * https://learn.microsoft.com/en-us/graph/throttling#sample-response).
 */
export class ThrottleService {
  private readonly windows = new Map<string, Bucket[]>();

  constructor(private readonly clock: EmulatorClock) {}

  charge(key: string, units: number, limit: number): ThrottleDecision {
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    let buckets = this.windows.get(key);
    if (!buckets) this.windows.set(key, (buckets = []));
    while (buckets.length > 0 && buckets[0]!.second <= second - WINDOW_SECONDS) buckets.shift();
    const used = buckets.reduce((sum, bucket) => sum + bucket.units, 0);
    if (used + units > limit) {
      const oldest = buckets[0]?.second ?? second;
      const waitMs = Math.max(1, Math.ceil((oldest + WINDOW_SECONDS) * 1000 - now));
      return { allowed: false, retryAfterSeconds: waitMs / 1000 };
    }
    const last = buckets[buckets.length - 1];
    if (last?.second === second) last.units += units;
    else buckets.push({ second, units });
    return { allowed: true };
  }

  usage(key: string): number {
    const second = Math.floor(this.clock.now() / 1000);
    return (this.windows.get(key) ?? [])
      .filter((bucket) => bucket.second > second - WINDOW_SECONDS)
      .reduce((sum, bucket) => sum + bucket.units, 0);
  }

  clear(): void {
    this.windows.clear();
  }
}
