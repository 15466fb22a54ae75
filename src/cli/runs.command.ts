import type { HubGraphqlClient } from './graphql-client.js';
import {
  APPROVE_SYNC_RUN,
  REJECT_SYNC_RUN,
  SYNC_RUN_CHANGES,
  SYNC_RUNS,
  type ChangeRow,
  type SyncRunRow,
} from './operations.js';
import type { Output } from './output.js';
import { readPages, shownLine, type Connection } from './pages.js';
import { duration, table } from './render.js';

/** `runs`: a connector's sync runs, newest first, up to `limit` (null: all of them). */
export async function runsCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { connectorId: string; pageSize: number; limit: number | null },
): Promise<number> {
  const paged = await readPages<SyncRunRow>(
    api,
    SYNC_RUNS,
    { connectorId: options.connectorId },
    (data) => data['syncRuns'] as Connection<SyncRunRow>,
    options,
  );
  out.line(
    table(
      ['RUN', 'TRIGGER', 'MODE', 'STATUS', 'STARTED', 'DURATION', 'CHANGES', 'ERRORS'],
      paged.rows.map((r) => [
        r.id,
        r.trigger,
        r.mode,
        r.status,
        r.startedAt ?? r.requestedAt,
        duration(r.startedAt, r.finishedAt),
        r.changeCount,
        r.counts.errors,
      ]),
    ),
  );
  out.line(shownLine(paged, 'run'));
  return 0;
}

/** `changes`: a run's change log, up to `limit` entries (null: all of them). */
export async function changesCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { runId: string; pageSize: number; limit: number | null },
): Promise<number> {
  let status = '';
  const paged = await readPages<ChangeRow>(
    api,
    SYNC_RUN_CHANGES,
    { id: options.runId },
    (data) => {
      const run = data['syncRun'] as { status: string; changes: Connection<ChangeRow> };
      status = run.status;
      return run.changes;
    },
    options,
  );
  out.line(
    table(
      ['ACTION', 'STATE', 'TYPE', 'OBJECT', 'RULE', 'FIELDS', 'MESSAGE'],
      paged.rows.map((c) => [
        c.action,
        c.state,
        c.objectType,
        c.label ?? c.objectId,
        c.rule,
        fieldChanges(c.before, c.after),
        c.message,
      ]),
    ),
  );
  out.line(`${shownLine(paged, 'change')}; run ${options.runId} is ${status}`);
  return 0;
}

/** `approve` / `reject`: decides a staged run (NEEDS_APPROVAL). */
export async function decideCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { runId: string; decision: 'approve' | 'reject' },
): Promise<number> {
  const query = options.decision === 'approve' ? APPROVE_SYNC_RUN : REJECT_SYNC_RUN;
  const data = await api.request<Record<string, SyncRunRow>>(query, { runId: options.runId });
  const run = Object.values(data)[0]!;
  out.line(
    `run ${run.id}: ${options.decision === 'approve' ? 'approved' : 'rejected'}, now ${run.status}`,
  );
  return 0;
}

/** `name: before -> after` for each touched field. */
export function fieldChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): string {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const show = (v: unknown) => (v === undefined || v === null ? '∅' : JSON.stringify(v));
  return [...names].map((n) => `${n}: ${show(before?.[n])} -> ${show(after?.[n])}`).join('; ');
}
