/**
 * When a failed delivery is tried again: exponential backoff with jitter, the Standard Webhooks
 * recommendation ("retry delivery following a retry schedule spanning multiple days, with an
 * exponential backoff ... add some level of random jitter"). Half of each delay is fixed and
 * half random ("equal jitter"), so retries of many events that failed together spread out while
 * a delay never shrinks below half its nominal value.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The delay after the `failures`-th failed attempt in a row (1 = the first failure). */
export function retryDelayMs(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}

/** The next attempt's time; a receiver's `Retry-After` is honoured up to the policy's maximum. */
export function nextAttemptAt(
  now: number,
  failures: number,
  policy: BackoffPolicy,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  const wait = Math.max(
    retryDelayMs(failures, policy, random),
    Math.min(retryAfterMs ?? 0, policy.maxMs),
  );
  return now + wait;
}

/** Failing since `since` for longer than the window: give up (and disable the endpoint). */
export function retryWindowOver(since: number, now: number, windowMs: number): boolean {
  return now - since >= windowMs;
}
