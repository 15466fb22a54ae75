import type { SyncRunRecord } from '../../domain/sync-run.js';
import type { SyncRun } from './sync-run.type.js';

/** A run as the API shows it: its record, and how long it took. */
export function syncRunView(run: SyncRunRecord): SyncRun {
  const { partnerId: _partnerId, ...fields } = run;
  return {
    ...fields,
    durationMs:
      run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
  };
}
