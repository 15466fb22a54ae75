import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/connection.js';
import { migrateDatabase, migrationStatus, type MigrationStep } from '../db/migrations/migrate.js';
import { readBuildInfo } from '../observability/build-info.js';
import type { Output } from './output.js';

/**
 * `npm run hub -- migrate`: once per deploy, before the new release's instances start (the
 * reference deployment runs it as a one-shot service the hubs wait for). Creates the indexes the
 * release declares and runs its data migrations; talks to the database directly, with the hub's
 * own configuration (run it where the hub runs). `migrate status` only reports, and exits 1 when
 * the database is not migrated to this release.
 */
export async function migrateCommand(
  out: Output,
  env: NodeJS.ProcessEnv,
  mode: string | undefined,
): Promise<number> {
  if (mode !== undefined && mode !== 'status') {
    throw new Error(`migrate takes no argument or "status", not "${mode}"`);
  }
  const config = loadConfig(env);
  // Indexes are built by the migration itself, reported step by step.
  const connection = await connectDatabase({ uri: config.mongodbUri, autoIndex: false });
  try {
    if (mode === 'status') {
      const status = await migrationStatus(connection);
      out.line(
        `index plan ${status.fingerprint}: ${status.indexesApplied ? 'applied' : 'missing'}`,
      );
      out.line(`data migrations pending: ${status.pending.join(', ') || 'none'}`);
      out.line(status.current ? 'migrated: this release can start' : 'not migrated: run migrate');
      return status.current ? 0 : 1;
    }
    const { version } = readBuildInfo();
    const report = await migrateDatabase(connection, {
      version,
      onStep: (step) => out.line(describe(step)),
      // An operator's run waits at most a minute for another one instead of half an hour.
      waitMs: 60_000,
    });
    out.line(
      `migrated to ${version}: ${report.applied.length} data migration(s) applied, ` +
        `${report.skipped.length} already applied`,
    );
    return 0;
  } finally {
    await connection.close();
  }
}

function describe(step: MigrationStep): string {
  switch (step.kind) {
    case 'indexes':
      if (step.phase === 'start') return 'indexes: creating what is missing';
      return (
        `indexes: plan ${step.fingerprint} in place` +
        (step.extra.length > 0
          ? `; not declared by this release (kept): ${step.extra.join(', ')}`
          : '')
      );
    case 'data': {
      if (step.phase === 'start') return `data migration ${step.id}: ${step.description}`;
      const counts = Object.entries(step.counts).map(([k, v]) => `${k} ${v}`);
      return `data migration ${step.id}: done (${counts.join(', ') || 'nothing to change'})`;
    }
    default: {
      const unknown: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}
