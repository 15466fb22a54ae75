import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { SyncRunRetention } from '../domain/sync-ports.js';
import { JobName } from './job-names.js';

/** Implemented by the sync side, which owns the SyncRun model. */
export interface RunRetentionDeps {
  retention: SyncRunRetention;
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
  /** Overrides each job's lock lifetime (tests); Agenda checks liveness every half of it. */
  lockLifetimeMs?: number;
}

/** Daily: sync runs older than SYNC_RUN_RETENTION_DAYS go. Idempotent, so a double run is harmless. */
export function defineRunRetentionJob(agenda: Agenda, deps: RunRetentionDeps): void {
  const log = deps.logger.child({ job: JobName.RUN_RETENTION });
  agenda.define(
    JobName.RUN_RETENTION,
    async () => {
      const now = deps.now?.() ?? new Date();
      const cutoff = new Date(now.getTime() - deps.retentionDays * 86_400_000);
      const deleted = await deps.retention.deleteRunsOlderThan(cutoff);
      log.info({ deleted, cutoff }, 'old sync runs deleted');
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: deps.lockLifetimeMs ?? 60 * 60_000 },
  );
}
