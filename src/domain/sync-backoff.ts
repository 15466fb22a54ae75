/**
 * How long the scheduled syncs (poll, reconcile, webhook-triggered) of a connector wait after
 * consecutive failed runs: `baseMs`, doubled per further failure, at most `maxMs`. With the
 * defaults (a minute, an hour) a connector whose secret expired is tried after 1, 2, 4, ... 60
 * minutes instead of every minute; Synchronize Now and new credentials are never held back.
 */
export interface SyncBackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_SYNC_BACKOFF: Readonly<SyncBackoffPolicy> = Object.freeze({
  baseMs: 60_000,
  maxMs: 60 * 60_000,
});

/** The wait after `consecutiveFailures` failed runs in a row (0 when there were none). */
export function syncBackoffDelayMs(consecutiveFailures: number, policy: SyncBackoffPolicy): number {
  if (!Number.isFinite(consecutiveFailures) || consecutiveFailures < 1) return 0;
  // 2^n overflows to Infinity long after the cap; Math.min handles it, the exponent cap keeps
  // the arithmetic exact.
  const exponent = Math.min(Math.floor(consecutiveFailures) - 1, 52);
  return Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
}

/** When the scheduled syncs may try again after a failure at `at`. */
export function nextSyncAttemptAt(
  at: Date,
  consecutiveFailures: number,
  policy: SyncBackoffPolicy,
): Date {
  return new Date(at.getTime() + syncBackoffDelayMs(consecutiveFailures, policy));
}
