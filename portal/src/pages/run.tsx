import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { RunStatusBadge } from '../components/badges';
import { Dialog, DialogClose } from '../components/dialog';
import { ErrorNotice, Notice } from '../components/error-notice';
import { RunSummary } from '../components/run-progress';
import {
  ApproveSyncRunMutation,
  RejectSyncRunMutation,
  SyncRunQuery,
  SyncRunUpdatedSubscription,
} from '../lib/sync-operations';

/**
 * One run: its counts, notes and per-object change log. A run the mass-change guard stopped
 * (NEEDS_APPROVAL) lists its staged changes first, with Approve and Reject.
 */
export function RunPage({ runId }: { runId: string }) {
  const [result, refetch] = useQuery({ query: SyncRunQuery, variables: { id: runId } });
  const run = result.data?.syncRun;
  const [live] = useSubscription({
    query: SyncRunUpdatedSubscription,
    variables: { connectorId: run?.connectorId ?? '' },
    pause: !run,
  });
  const liveRun = live.data?.syncRunUpdated.id === runId ? live.data.syncRunUpdated : null;
  const shown = liveRun && run && liveRun.status !== run.status ? { ...run, ...liveRun } : run;
  const [approved, approve] = useMutation(ApproveSyncRunMutation);
  const [rejected, reject] = useMutation(RejectSyncRunMutation);
  const [confirmReject, setConfirmReject] = useState(false);
  const decide = async (yes: boolean) => {
    const answer = yes ? await approve({ runId }) : await reject({ runId });
    setConfirmReject(false);
    if (!answer.error) refetch({ requestPolicy: 'network-only' });
  };

  if (!run || !shown) {
    return (
      <main id="main">
        <ErrorNotice error={result.error} />
        {result.fetching && <p role="status">Loading…</p>}
      </main>
    );
  }
  const staged = run.changes.nodes.filter((change) => change.state === 'STAGED');
  const pending = shown.status === 'NEEDS_APPROVAL' && shown.approval?.state === 'PENDING';
  return (
    <main id="main">
      <p className="crumbs">
        <Link href={`/connectors/${run.connectorId}/runs`}>Sync runs</Link> /
      </p>
      <h1>
        Sync run <RunStatusBadge status={shown.status} />
      </h1>
      <p>
        {shown.trigger.toLowerCase()} · {shown.mode.toLowerCase()} · requested{' '}
        {new Date(shown.requestedAt).toLocaleString()} · {shown.graphRequests} Graph requests
      </p>
      <RunSummary run={shown} />
      {shown.notes.length > 0 && (
        <ul className="notes">
          {shown.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <ErrorNotice error={result.error ?? approved.error ?? rejected.error} />
      {pending && (
        <Notice tone="warning" title={`${shown.counts.staged} changes wait for your approval`}>
          <p>
            The mass-change guard stopped this run: it would disable or delete more users than the
            sync rules allow at once. Check the staged changes below, then decide.
          </p>
          <div className="row">
            <button type="button" onClick={() => void decide(true)} disabled={approved.fetching}>
              Approve changes
            </button>
            <button type="button" className="danger" onClick={() => setConfirmReject(true)}>
              Reject changes
            </button>
          </div>
        </Notice>
      )}
      {shown.approval && !pending && (
        <p role="status">
          Staged changes {shown.approval.state.toLowerCase()}
          {shown.approval.decidedBy ? ` by ${shown.approval.decidedBy}` : ''}.
        </p>
      )}
      <Dialog
        open={confirmReject}
        onOpenChange={setConfirmReject}
        title="Reject the staged changes?"
        description="Nobody is disabled or deleted now; the next full sync proposes them again if Entra still says so."
      >
        <div className="row end">
          <DialogClose className="button secondary">Cancel</DialogClose>
          <button type="button" className="danger" onClick={() => void decide(false)}>
            Reject
          </button>
        </div>
      </Dialog>
      {staged.length > 0 && <ChangeTable title="Staged changes" changes={staged} />}
      <ChangeTable title={`Change log (${run.changes.totalCount})`} changes={run.changes.nodes} />
      {run.changes.pageInfo.hasNextPage && (
        <p className="hint">
          The first 100 changes are shown (npm run hub -- changes {run.id} lists all).
        </p>
      )}
    </main>
  );
}

interface Change {
  seq: number;
  action: string;
  objectType: string;
  label: string;
  rule: string;
  state: string;
  message?: string | null;
}

function ChangeTable({ title, changes }: { title: string; changes: Change[] }) {
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {changes.length === 0 ? (
        <p>No changes.</p>
      ) : (
        <table className="list" aria-labelledby={id}>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Action</th>
              <th scope="col">User or group</th>
              <th scope="col">Rule</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.seq} data-change-state={c.state}>
                <td data-label="#">{c.seq}</td>
                <td data-label="Action">{c.action.replace(/_/g, ' ').toLowerCase()}</td>
                <td data-label="User or group">
                  {c.label}
                  {c.message && <p className="hint">{c.message}</p>}
                </td>
                <td data-label="Rule">{c.rule}</td>
                <td data-label="State">{c.state.toLowerCase()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
