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
import { duration, table } from './render.js';

/** `runs`: a connector's recent sync runs. */
export async function runsCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { connectorId: string; first: number },
): Promise<number> {
  const { syncRuns } = await api.request<{ syncRuns: { edges: { node: SyncRunRow }[] } }>(
    SYNC_RUNS,
    { connectorId: options.connectorId, first: options.first },
  );
  out.line(
    table(
      ['RUN', 'TRIGGER', 'MODE', 'STATUS', 'STARTED', 'DURATION', 'CHANGES', 'ERRORS'],
      syncRuns.edges.map(({ node: r }) => [
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
  return 0;
}

/** `changes`: a run's change log, paged 100 at a time up to `limit`. */
export async function changesCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { runId: string; limit: number },
): Promise<number> {
  const rows: ChangeRow[] = [];
  let after: string | null = null;
  let status = '';
  do {
    const page: {
      syncRun: {
        status: string;
        changes: {
          edges: { node: ChangeRow }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    } = await api.request(SYNC_RUN_CHANGES, {
      id: options.runId,
      first: Math.min(100, options.limit - rows.length),
      after,
    });
    status = page.syncRun.status;
    rows.push(...page.syncRun.changes.edges.map((e) => e.node));
    after = page.syncRun.changes.pageInfo.hasNextPage
      ? page.syncRun.changes.pageInfo.endCursor
      : null;
  } while (after && rows.length < options.limit);
  out.line(
    table(
      ['ACTION', 'STATE', 'TYPE', 'OBJECT', 'RULE', 'FIELDS', 'MESSAGE'],
      rows.map((c) => [
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
  out.line(`${rows.length} change(s) shown; run ${options.runId} is ${status}`);
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
