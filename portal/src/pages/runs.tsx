import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { RunStatusBadge } from '../components/badges';
import { ErrorNotice } from '../components/error-notice';
import { RunProgress } from '../components/run-progress';
import type { SyncRunFieldsFragment } from '../gql/graphql';
import { ConnectorQuery, SynchronizeNowMutation } from '../lib/operations';
import { SyncRunsQuery, SyncRunUpdatedSubscription } from '../lib/sync-operations';
import { MoreRow } from '../components/form-parts';

/**
 * A connector's sync runs, newest first, with runs appearing and changing live
 * (`syncRunUpdated`): a change in Entra shows up here as a WEBHOOK run without a reload.
 */
export function RunsPage({ connectorId }: { connectorId: string }) {
  const [connector] = useQuery({ query: ConnectorQuery, variables: { id: connectorId } });
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [live] = useSubscription(
    { query: SyncRunUpdatedSubscription, variables: { connectorId } },
    (runs: Record<string, SyncRunFieldsFragment> = {}, event) => ({
      ...runs,
      [event.syncRunUpdated.id]: event.syncRunUpdated,
    }),
  );
  const [sync, synchronize] = useMutation(SynchronizeNowMutation);
  const [runId, setRunId] = useState<string | null>(null);
  const c = connector.data?.connector;
  const synchronizeNow = async () => {
    setRunId(null);
    const answer = await synchronize({ connectorId });
    if (answer.data) setRunId(answer.data.synchronizeNow.runId);
  };
  const liveRuns = live.data ?? {};
  return (
    <main id="main">
      <p className="crumbs">
        <Link href="/companies">Companies</Link> /{' '}
        {c && <Link href={`/companies/${c.companyId}`}>Connectors</Link>} /{' '}
        <Link href={`/connectors/${connectorId}/auth`}>{c?.name ?? 'Connector'}</Link>
      </p>
      <div className="toolbar">
        <h1>Sync runs</h1>
        <button
          type="button"
          onClick={() => void synchronizeNow()}
          disabled={sync.fetching || !c?.activatedAt || !c.enabled}
        >
          Synchronize Now
        </button>
      </div>
      <ErrorNotice error={connector.error ?? live.error ?? sync.error} />
      {runId && <RunProgress connectorId={connectorId} runId={runId} />}
      <table className="list" aria-label="Sync runs">
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Updated</th>
            <th scope="col">Disabled</th>
            <th scope="col">Enabled</th>
            <th scope="col">Staged</th>
            <th scope="col">Errors</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <LiveRows runs={Object.values(liveRuns)} />
        {pages.map((after, index) => (
          <RunPageRows
            key={after ?? 'first'}
            connectorId={connectorId}
            after={after}
            hide={liveRuns}
            isLast={index === pages.length - 1}
            onMore={(cursor) => setPages((p) => [...p, cursor])}
          />
        ))}
      </table>
    </main>
  );
}

/** Runs that arrived live and are newer than the first page read. */
function LiveRows({ runs }: { runs: SyncRunFieldsFragment[] }) {
  const sorted = [...runs].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  return (
    <tbody className="live-rows" aria-live="polite">
      {sorted.map((run) => (
        <RunRow key={run.id} run={run} />
      ))}
    </tbody>
  );
}

function RunPageRows(props: {
  connectorId: string;
  after: string | null;
  hide: Record<string, unknown>;
  isLast: boolean;
  onMore: (cursor: string) => void;
}) {
  const [result] = useQuery({
    query: SyncRunsQuery,
    variables: { connectorId: props.connectorId, after: props.after },
  });
  const page = result.data?.syncRuns;
  return (
    <tbody>
      {result.error && (
        <tr>
          <td colSpan={10}>
            <ErrorNotice error={result.error} />
          </td>
        </tr>
      )}
      {page?.nodes
        .filter((run) => !(run.id in props.hide))
        .map((run) => (
          <RunRow key={run.id} run={run} />
        ))}
      {page && page.totalCount === 0 && (
        <tr>
          <td colSpan={10}>No runs yet: Save Changes starts the first one.</td>
        </tr>
      )}
      <MoreRow
        show={props.isLast}
        pageInfo={page?.pageInfo}
        colSpan={10}
        label="Older runs"
        onMore={props.onMore}
      />
    </tbody>
  );
}

function RunRow({ run }: { run: SyncRunFieldsFragment }) {
  const c = run.counts;
  return (
    <tr data-run-id={run.id} data-run-status={run.status} data-run-trigger={run.trigger}>
      <td data-label="Requested">
        <Link href={`/runs/${run.id}`}>{new Date(run.requestedAt).toLocaleString()}</Link>
      </td>
      <td data-label="Trigger">
        {run.trigger.toLowerCase()} ({run.mode.toLowerCase()})
      </td>
      <td data-label="Status">
        <RunStatusBadge status={run.status} />
      </td>
      <td data-label="Created">{c.usersCreated}</td>
      <td data-label="Updated">{c.usersUpdated}</td>
      <td data-label="Disabled">{c.usersDisabled + c.usersDeleted}</td>
      <td data-label="Enabled">{c.usersEnabled}</td>
      <td data-label="Staged">{c.staged}</td>
      <td data-label="Errors">{c.errors}</td>
      <td data-label="Duration">{run.durationMs != null ? `${run.durationMs} ms` : '…'}</td>
    </tr>
  );
}
