import type { RealtimeJobTiming } from '../jobs/register-jobs.js';
import type { OutboundTuning } from '../outbound/create-outbound.js';
import type { SyncEngineOptions } from '../sync/create-sync-engine.js';

/** Knobs production leaves at their defaults; tests and benchmarks shorten them. */
export interface RuntimeTuning {
  /** How often Agenda scans for due jobs (the bus wakes it for queued ones). Default: 5 s or the poll tick. */
  processEveryMs?: number;
  /** A job whose lock is older than this may run elsewhere (crashed instance). Default 10 min. */
  lockLifetimeMs?: number;
  /** In-process coalescing of the receiver's hand-offs per connector. Default 1 s. */
  coalesceMs?: number;
  /** How long one tailable getMore of the Mongo bus waits. Default 1 s. */
  busMaxAwaitMs?: number;
  /** Graceful shutdown: how long running jobs may finish before their locks are released. */
  drainTimeoutMs?: number;
  /**
   * After a database outage, how long to wait before releasing the job locks whose replies
   * were lost (longer than server selection plus a round trip). Default 10 s.
   */
  lockRecoverySettleMs?: number;
  /** Real-time job timings (sweep, settle, renew, ...). */
  jobs?: Partial<RealtimeJobTiming>;
  /** Sync engine options beyond the configuration's (queue poll, lock TTL, page size). */
  engine?: Partial<SyncEngineOptions>;
  /** Outbound webhooks: the delivery clock, the receivers' resolver, the scan interval. */
  outbound?: OutboundTuning;
}
