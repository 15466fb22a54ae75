import type { Connection } from 'mongoose';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { withLease } from '../lease.js';
import { leaseModel } from '../models/lease.model.js';
import { ensureIndexes, indexFingerprint, indexPlan } from './indexes.js';
import { membershipsToEdges } from './memberships-to-edges.js';
import {
  indexPlanId,
  MIGRATIONS_COLLECTION,
  type DataMigration,
  type MigrationRecord,
} from './migration.js';

/** Every data migration, oldest first. Append only. */
export const MIGRATIONS: readonly DataMigration[] = [membershipsToEdges];

export interface MigrateOptions {
  /** Default MIGRATIONS (tests pass their own). */
  migrations?: readonly DataMigration[];
  /** Recorded with each step: the hub version that applied it. */
  version?: string;
  /** Told before each step starts and after it ends (the CLI prints them). */
  onStep?: (step: MigrationStep) => void;
  /** How long to wait for a migrate running elsewhere (another instance, another deploy). */
  waitMs?: number;
  /** List indexes the code does not declare (one listIndexes per collection; default true). */
  reportExtraIndexes?: boolean;
}

export type MigrationStep =
  | { kind: 'indexes'; phase: 'start' }
  | { kind: 'indexes'; phase: 'done'; fingerprint: string; extra: string[] }
  | { kind: 'data'; phase: 'start'; id: string; description: string }
  | { kind: 'data'; phase: 'done'; id: string; counts: Record<string, number> };

export interface MigrationReport {
  fingerprint: string;
  /** Indexes that exist but that this release does not declare (reported, never dropped). */
  extraIndexes: string[];
  applied: { id: string; counts: Record<string, number> }[];
  /** Data migrations found already applied, skipped. */
  skipped: string[];
}

export interface MigrationStatus {
  /** True when this release's index plan and every data migration it knows are applied. */
  current: boolean;
  fingerprint: string;
  indexesApplied: boolean;
  pending: string[];
}

/** A lease longer than any migration should take; a crashed migrate frees it after this. */
const LEASE_TTL_MS = 30 * 60_000;
const LEASE_KEY = 'migrate';

/**
 * `npm run hub -- migrate`, and the start of an instance with MONGODB_AUTO_MIGRATE on: creates
 * the indexes the code declares, then runs the data migrations not yet recorded, in order, each
 * recorded once it finished. Idempotent (a second run creates and runs nothing) and resumable (a
 * run that stopped half-way continues where the records say). One at a time across instances.
 */
export async function migrateDatabase(
  connection: Connection,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  try {
    return await withLease(
      leaseModel(connection),
      LEASE_KEY,
      { ttlMs: LEASE_TTL_MS, waitMs: options.waitMs ?? LEASE_TTL_MS, pollMs: 500 },
      () => migrateLocked(connection, options),
    );
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.CONFLICT) {
      throw new AppError(ErrorCode.CONFLICT, 'another migrate is still running: try again later', {
        details: { lease: LEASE_KEY },
      });
    }
    throw error;
  }
}

async function migrateLocked(
  connection: Connection,
  options: MigrateOptions,
): Promise<MigrationReport> {
  const records = connection.db!.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
  const stamp = () => ({
    appliedAt: new Date(),
    ...(options.version ? { version: options.version } : {}),
  });
  const step = options.onStep ?? (() => undefined);

  step({ kind: 'indexes', phase: 'start' });
  const fingerprint = indexFingerprint(indexPlan(connection));
  const { extra } = await ensureIndexes(connection, options.reportExtraIndexes ?? true);
  await records.updateOne(
    { _id: indexPlanId(fingerprint) },
    { $setOnInsert: stamp() },
    { upsert: true },
  );
  step({ kind: 'indexes', phase: 'done', fingerprint, extra });

  const report: MigrationReport = { fingerprint, extraIndexes: extra, applied: [], skipped: [] };
  const done = await appliedIds(connection);
  for (const migration of options.migrations ?? MIGRATIONS) {
    if (done.has(migration.id)) {
      report.skipped.push(migration.id);
      continue;
    }
    step({ kind: 'data', phase: 'start', id: migration.id, description: migration.description });
    const counts = await migration.run(connection.db!);
    await records.updateOne({ _id: migration.id }, { $set: stamp() }, { upsert: true });
    report.applied.push({ id: migration.id, counts });
    step({ kind: 'data', phase: 'done', id: migration.id, counts });
  }
  return report;
}

/**
 * What an instance started with MONGODB_AUTO_MIGRATE off checks: its own index plan recorded
 * and no data migration it knows left to run. Plans and migrations of newer releases do not
 * matter (an instance of the previous release may restart during an upgrade, or after a
 * rollback).
 */
export async function migrationStatus(
  connection: Connection,
  migrations: readonly DataMigration[] = MIGRATIONS,
): Promise<MigrationStatus> {
  const fingerprint = indexFingerprint(indexPlan(connection));
  const done = await appliedIds(connection);
  const pending = migrations.map((m) => m.id).filter((id) => !done.has(id));
  const indexesApplied = done.has(indexPlanId(fingerprint));
  return { current: indexesApplied && pending.length === 0, fingerprint, indexesApplied, pending };
}

/** The hub refuses to start on a database `migrate` has not brought to its release. */
export class MigrationRequiredError extends Error {
  constructor(readonly status: MigrationStatus) {
    const missing = [
      ...(status.indexesApplied ? [] : [`index plan ${status.fingerprint}`]),
      ...status.pending.map((id) => `data migration ${id}`),
    ];
    super(
      `The database is not migrated to this release (missing: ${missing.join(', ')}). ` +
        'Run `npm run hub -- migrate` (in the image: node dist/src/cli/main.js migrate) once, ' +
        'then start the hub; or set MONGODB_AUTO_MIGRATE=true to migrate at start.',
    );
    this.name = 'MigrationRequiredError';
  }
}

export async function assertMigrated(connection: Connection): Promise<void> {
  const status = await migrationStatus(connection);
  if (!status.current) throw new MigrationRequiredError(status);
}

async function appliedIds(connection: Connection): Promise<Set<string>> {
  const records = connection.db!.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
  const docs = await records.find({}, { projection: { _id: 1 } }).toArray();
  return new Set(docs.map((d) => d._id));
}
