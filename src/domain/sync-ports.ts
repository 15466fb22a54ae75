/**
 * Ports the sync engine implements for the jobs layer (src/jobs): the jobs call them, the
 * composition root (src/runtime) hands the engine's implementations in.
 */

/** The poll's idle check of one connector (a delta probe that queues a run only on changes). */
export interface ConnectorPoller {
  poll(connectorId: string): Promise<{ kind: string }>;
}

/** Connectors with a run in progress are not polled again. */
export interface SyncActivity {
  runningConnectorIds(): Promise<ReadonlySet<string>>;
}

export interface SyncRunRetention {
  /** Deletes finished runs older than `cutoff`; returns how many. */
  deleteRunsOlderThan(cutoff: Date): Promise<number>;
}
