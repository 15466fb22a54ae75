import { z } from 'zod';

export const faultSettingsSchema = z
  .object({
    /** Share (0..1) of Graph requests answered 429, spread evenly (every 1/share-th request). */
    throttleShare: z.number().min(0).max(1).optional(),
    /** The next N Graph requests answer 429. */
    throttleBurst: z.number().int().min(0).optional(),
    /**
     * Retry-After of injected 429s and 503s, in seconds; fractional values are sent as given
     * (Graph's throttling guidance shows "Retry-After: 2.128",
     * https://learn.microsoft.com/en-us/graph/throttling#sample-response). Default 1.
     */
    retryAfterSeconds: z.number().min(0).max(3600).optional(),
    /** Share (0..1) of Graph requests answered with `serverErrorStatus`. */
    serverErrorShare: z.number().min(0).max(1).optional(),
    /** The next N Graph requests answer `serverErrorStatus`. */
    serverErrorBurst: z.number().int().min(0).optional(),
    serverErrorStatus: z
      .union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)])
      .optional(),
    /** Added to every Graph response, in milliseconds. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** Delta links replay the changes of the previous round too (consumers must be idempotent). */
    deltaReplays: z.boolean().optional(),
    /** Fail page N (1 = first page) of listings and delta rounds, `times` times. */
    failPage: z
      .object({
        page: z.number().int().min(1),
        status: z.number().int().min(400).max(599).default(503),
        times: z.number().int().min(1).default(1),
      })
      .optional(),
    /**
     * Fail the requests whose path and decoded query contain `contains` (e.g. "/users?$filter"),
     * `times` times: one kind of request only, whatever else the client asks meanwhile.
     */
    failMatching: z
      .object({
        contains: z.string().min(1).max(200),
        status: z.number().int().min(400).max(599).default(503),
        times: z.number().int().min(1).default(1),
      })
      .optional(),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultOutcome =
  | { kind: 'none' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: number; retryAfterSeconds: number };

interface TenantFaults {
  settings: FaultSettings;
  seen: number;
}

/**
 * Injected faults per tenant. Shares are deterministic (request k fails when floor(k * share)
 * moves), so "10% of requests" is exactly one in ten and tests need no retry loops or seeds.
 */
export class FaultService {
  private readonly tenants = new Map<string, TenantFaults>();

  set(tenantId: string, settings: FaultSettings): FaultSettings {
    this.tenants.set(tenantId, { settings: { ...settings }, seen: 0 });
    return settings;
  }

  get(tenantId: string): FaultSettings {
    return this.tenants.get(tenantId)?.settings ?? {};
  }

  clear(tenantId?: string): void {
    if (tenantId === undefined) this.tenants.clear();
    else this.tenants.delete(tenantId);
  }

  latencyMs(tenantId: string): number {
    return this.tenants.get(tenantId)?.settings.latencyMs ?? 0;
  }

  /**
   * Decides the fate of one Graph request; `page` is the listing page it asks for, if any, and
   * `target` its path and decoded query.
   */
  next(tenantId: string, page: number | null, target = ''): FaultOutcome {
    const state = this.tenants.get(tenantId);
    if (!state) return { kind: 'none' };
    const s = state.settings;
    const k = ++state.seen;
    const retryAfterSeconds = s.retryAfterSeconds ?? 1;
    const status = s.serverErrorStatus ?? 503;
    if (s.failMatching && s.failMatching.times > 0 && target.includes(s.failMatching.contains)) {
      s.failMatching.times--;
      if (s.failMatching.status === 429) return { kind: 'throttle', retryAfterSeconds };
      return { kind: 'server-error', status: s.failMatching.status, retryAfterSeconds };
    }
    if (s.failPage && page === s.failPage.page && s.failPage.times > 0) {
      s.failPage.times--;
      if (s.failPage.status === 429) return { kind: 'throttle', retryAfterSeconds };
      return { kind: 'server-error', status: s.failPage.status, retryAfterSeconds };
    }
    if (s.throttleBurst) {
      s.throttleBurst--;
      return { kind: 'throttle', retryAfterSeconds };
    }
    if (s.serverErrorBurst) {
      s.serverErrorBurst--;
      return { kind: 'server-error', status, retryAfterSeconds };
    }
    if (hits(k, s.throttleShare)) return { kind: 'throttle', retryAfterSeconds };
    if (hits(k, s.serverErrorShare)) return { kind: 'server-error', status, retryAfterSeconds };
    return { kind: 'none' };
  }
}

function hits(k: number, share: number | undefined): boolean {
  if (!share) return false;
  return Math.floor(k * share) !== Math.floor((k - 1) * share);
}
