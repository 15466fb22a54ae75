import type { EmulatorClock } from '../clock.js';

const WINDOW_MS = 10 * 60_000;

export type EndpointState = 'normal' | 'slow' | 'drop';

export interface EndpointHealthSettings {
  /** Answers needed before an endpoint can be judged (Graph: 100 notifications). */
  minSamples: number;
  /** How long a "drop" endpoint loses notifications (Graph: up to 10 minutes). */
  dropDurationMs: number;
}

interface Endpoint {
  samples: Array<{ at: number; slow: boolean }>;
  dropUntil: number;
}

/**
 * Graph's webhook throttling (change-notifications-delivery-webhooks.md, "Throttling"): over
 * 10% of answers in 10 minutes slower than the timeout makes an endpoint "slow" (deliveries
 * delayed), over 15% "drop" (notifications discarded for a while, unrecoverable).
 */
export class EndpointHealth {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly settings: EndpointHealthSettings,
  ) {}

  record(url: string, slow: boolean): void {
    const endpoint = this.endpoint(url);
    endpoint.samples.push({ at: this.clock.now(), slow });
    if (this.shareSlow(endpoint) > 0.15 && endpoint.dropUntil <= this.clock.now()) {
      endpoint.dropUntil = this.clock.now() + this.settings.dropDurationMs;
      endpoint.samples = [];
    }
  }

  state(url: string): EndpointState {
    const endpoint = this.endpoints.get(url);
    if (!endpoint) return 'normal';
    if (endpoint.dropUntil > this.clock.now()) return 'drop';
    return this.shareSlow(endpoint) > 0.1 ? 'slow' : 'normal';
  }

  clear(): void {
    this.endpoints.clear();
  }

  private shareSlow(endpoint: Endpoint): number {
    const since = this.clock.now() - WINDOW_MS;
    endpoint.samples = endpoint.samples.filter((sample) => sample.at > since);
    if (endpoint.samples.length < this.settings.minSamples) return 0;
    return endpoint.samples.filter((sample) => sample.slow).length / endpoint.samples.length;
  }

  private endpoint(url: string): Endpoint {
    let endpoint = this.endpoints.get(url);
    if (!endpoint) this.endpoints.set(url, (endpoint = { samples: [], dropUntil: 0 }));
    return endpoint;
  }
}
