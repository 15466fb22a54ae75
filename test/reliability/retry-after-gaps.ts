/**
 * How long a client waited after Graph told it to, measured from the emulator's request log:
 * for every 429 (or 503/504 with Retry-After) answered to a tenant, the time from the moment the
 * answer was ready (`time`) to the arrival (`receivedAt`) of the next request for the same URL
 * (the retry), and of the next request of the tenant at all.
 */
import type { RequestLogEntry } from '../../src/emulator/index.js';

export interface ThrottleGap {
  status: number;
  path: string;
  retryAfterMs: number;
  /** Answer ready -> the same URL again; null when it was never asked again. */
  sameUrlMs: number | null;
  /**
   * Answer ready -> any request of the tenant. Requests already on the wire when the 429 left
   * may legitimately land inside the window, so this is reported, not required.
   */
  tenantMs: number | null;
  /** The path of that next request of the tenant. */
  tenantNextPath: string | null;
}

export function retryAfterGaps(
  log: readonly RequestLogEntry[],
  tenantId: string,
  retryAfterMs: (entry: RequestLogEntry) => number | null,
): ThrottleGap[] {
  const graph = log
    .filter((e) => e.tenantId === tenantId && e.path.startsWith('/v1.0/'))
    .sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
  const gaps: ThrottleGap[] = [];
  graph.forEach((entry, i) => {
    const asked = retryAfterMs(entry);
    if (asked === null) return;
    const answeredAt = Date.parse(entry.time);
    const later = graph.slice(i + 1).filter((e) => Date.parse(e.receivedAt) >= answeredAt);
    const same = later.find((e) => e.method === entry.method && e.path === entry.path);
    const any = later[0];
    gaps.push({
      status: entry.status,
      path: entry.path,
      retryAfterMs: asked,
      sameUrlMs: same ? Date.parse(same.receivedAt) - answeredAt : null,
      tenantMs: any ? Date.parse(any.receivedAt) - answeredAt : null,
      tenantNextPath: any?.path ?? null,
    });
  });
  return gaps;
}

/** min / median / max of the same-URL waits, and the Retry-After values asked. */
export function summarize(gaps: readonly ThrottleGap[]) {
  const waits = gaps
    .map((g) => g.sameUrlMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  const tenant = gaps
    .map((g) => g.tenantMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  return {
    answers: gaps.length,
    retryAfterAskedMs: [...new Set(gaps.map((g) => g.retryAfterMs))].sort((a, b) => a - b),
    retried: waits.length,
    sameUrlWaitMs: {
      min: waits[0] ?? null,
      median: waits[Math.floor(waits.length / 2)] ?? null,
      max: waits.at(-1) ?? null,
    },
    tenantWaitMinMs: tenant[0] ?? null,
    /** Requests of the tenant that arrived inside a Retry-After window (in flight, or not held). */
    tenantInsideWindow: gaps
      .filter((g) => g.tenantMs !== null && g.tenantMs < g.retryAfterMs)
      .map((g) => `${g.path} -> ${g.tenantNextPath} after ${g.tenantMs} ms`),
    /** Same-URL waits shorter than the Retry-After asked (must be none). */
    tooEarly: gaps.filter((g) => g.sameUrlMs !== null && g.sameUrlMs < g.retryAfterMs).length,
  };
}
