import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import type { SyncRunFieldsFragment } from '../gql/graphql';
import { SyncRunQuery, SyncRunUpdatedSubscription } from '../lib/sync-operations';
import { RunStatusBadge } from './badges';
import { ErrorNotice } from './error-notice';

const ENDED = new Set(['SUCCEEDED', 'PARTIAL', 'FAILED', 'NEEDS_APPROVAL', 'CANCELLED']);

/**
 * A run's progress as it happens (`syncRunUpdated`: queued, started, finished). The run is also
 * read once, in case it ended before the subscription was set up.
 */
export function RunProgress({ connectorId, runId }: { connectorId: string; runId: string }) {
  const [read] = useQuery({
    query: SyncRunQuery,
    variables: { id: runId },
    requestPolicy: 'network-only',
  });
  const [live] = useSubscription(
    { query: SyncRunUpdatedSubscription, variables: { connectorId } },
    (previous: { run: SyncRunFieldsFragment | null } | undefined, event) =>
      event.syncRunUpdated.id === runId
        ? { run: event.syncRunUpdated }
        : (previous ?? { run: null }),
  );
  const run = latest(read.data?.syncRun, live.data?.run ?? undefined);
  return (
    <section className="card" aria-labelledby="run-progress" data-run-id={runId}>
      <h3 id="run-progress">Synchronize Now</h3>
      <ErrorNotice error={read.error ?? live.error} />
      {!run ? (
        <p role="status">Requested…</p>
      ) : (
        <div role="status" aria-live="polite">
          <p>
            Run <RunStatusBadge status={run.status} /> ({run.trigger.toLowerCase()},{' '}
            {run.mode.toLowerCase()})
          </p>
          {!ENDED.has(run.status) && <progress aria-label="Sync in progress" />}
          {ENDED.has(run.status) && <RunSummary run={run} />}
          <Link href={`/runs/${run.id}`}>Details and change log</Link>
        </div>
      )}
    </section>
  );
}

export function RunSummary({ run }: { run: SyncRunFieldsFragment }) {
  const c = run.counts;
  const parts = [
    [c.usersCreated, 'created'],
    [c.usersUpdated, 'updated'],
    [c.usersDisabled, 'disabled'],
    [c.usersEnabled, 'enabled'],
    [c.usersDeleted, 'deleted'],
    [c.usersPending, 'pending approval'],
    [c.staged, 'staged for approval'],
    [c.errors, 'errors'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
  return (
    <p className="summary">
      Users: {text || 'no changes'}
      {run.durationMs !== null && run.durationMs !== undefined ? ` in ${run.durationMs} ms` : ''}.
      {run.error && ` ${run.error.message}`}
    </p>
  );
}

/** The newer of two views of a run: an ended one wins over a running one. */
function latest(
  a: SyncRunFieldsFragment | undefined,
  b: SyncRunFieldsFragment | undefined,
): SyncRunFieldsFragment | undefined {
  if (!a || !b) return a ?? b;
  if (ENDED.has(b.status)) return b;
  if (ENDED.has(a.status)) return a;
  return b.status === 'RUNNING' ? b : a;
}
