import type { Db } from 'mongodb';

/**
 * A change to stored data that a release needs. `run` must be idempotent and resumable: the
 * runner records the id only after `run` returns, so a crash (or a failed step) runs it again
 * from the start at the next `migrate`, over documents it may already have converted.
 *
 * A release that changes the shape of stored data keeps reading the old shape until a later
 * release (expand, migrate, contract): instances of the previous release keep running during a
 * rolling upgrade, after `migrate` has run.
 */
export interface DataMigration {
  /** Sorts in the order migrations run (`YYYY-MM-name`); never renamed once released. */
  id: string;
  description: string;
  /** Counts of what it changed, for the operator's report. */
  run(db: Db): Promise<Record<string, number>>;
}

/** The `migrations` collection: one document per data migration applied and per index plan. */
export const MIGRATIONS_COLLECTION = 'migrations';

export interface MigrationRecord {
  _id: string;
  appliedAt: Date;
  /** The hub version that applied it (package.json). */
  version?: string;
}

/** The `_id` of an applied index plan. */
export const indexPlanId = (fingerprint: string): string => `indexes:${fingerprint}`;
