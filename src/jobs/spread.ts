import { createHash } from 'node:crypto';

/**
 * A connector's stable place in a repeating interval: thousands of connectors polled "every
 * minute" are spread over the minute by a hash of their id instead of all firing at second zero.
 * The salt gives each schedule (poll, reconcile) its own independent spread.
 */
export function offsetWithin(id: string, intervalMs: number, salt: string): number {
  const digest = createHash('sha256').update(salt).update('\0').update(id).digest();
  return digest.readUIntBE(0, 6) % intervalMs;
}

/**
 * Whether a connector at `offset` is due in the time window (fromMs, toMs]. Its due times are
 * every t with t mod interval == offset; a window of a whole interval or more contains all.
 */
export function isDueInWindow(
  offset: number,
  fromMs: number,
  toMs: number,
  intervalMs: number,
): boolean {
  if (toMs - fromMs >= intervalMs) return true;
  if (toMs <= fromMs) return false;
  const a = ((fromMs % intervalMs) + intervalMs) % intervalMs;
  const b = ((toMs % intervalMs) + intervalMs) % intervalMs;
  return a < b ? offset > a && offset <= b : offset > a || offset <= b;
}
