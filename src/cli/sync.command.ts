import { ProtocolErrorCode } from '../domain/errors.js';
import { GraphqlRequestError, type HubGraphqlClient } from './graphql-client.js';
import {
  CONNECTOR_OUTCOME,
  ENDED_STATUSES,
  SYNC_RUN,
  SYNC_RUN_UPDATED,
  SYNCHRONIZE_NOW,
  type SyncRunRow,
} from './operations.js';
import type { Output } from './output.js';
import { duration, progressBar, table } from './render.js';

type RunUpdates = AsyncGenerator<{ syncRunUpdated: SyncRunRow }, void, void>;
type RunEvent = IteratorResult<{ syncRunUpdated: SyncRunRow }, void>;
type FirstEvent = { event: RunEvent } | { error: unknown };

/**
 * `sync`: asks for a sync and follows the run to its end: the `syncRunUpdated` subscription
 * drives the progress bar; a poll of `syncRun` every 2 s covers events missed before the
 * subscription was established. Exit code: 0 SUCCEEDED/PARTIAL, 2 NEEDS_APPROVAL, 1 otherwise.
 */
export async function syncCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { connectorId: string; follow: boolean; timeoutSeconds: number },
): Promise<number> {
  const subscription: RunUpdates | null = options.follow
    ? api.subscribe<{ syncRunUpdated: SyncRunRow }>(SYNC_RUN_UPDATED, {
        connectorId: options.connectorId,
      })
    : null;
  // Start listening before asking, so the first events are not missed.
  const first = subscription
    ? subscription.next().then(
        (event): FirstEvent => ({ event }),
        (error: unknown): FirstEvent => ({ error }),
      )
    : null;
  const requestedAt = Date.now();
  const { synchronizeNow } = await api.request<{ synchronizeNow: { runId: string } }>(
    SYNCHRONIZE_NOW,
    { connectorId: options.connectorId },
  );
  const runId = synchronizeNow.runId;
  out.line(`sync requested: run ${runId}`);
  if (!subscription || !first) return 0;

  const head = await Promise.race([first, sleep(1_500).then(() => null)]);
  if (head && 'error' in head) {
    void subscription.return(undefined);
    if (!isMissingSyncRunApi(head.error)) throw head.error;
    // A hub without the sync-run API: follow the connector until its next sync outcome.
    return followConnector(api, out, options.connectorId, requestedAt, options.timeoutSeconds);
  }
  const last = await followRun(api, out, subscription, first, runId, options.timeoutSeconds);
  return reportRun(out, runId, last, options.timeoutSeconds);
}

/**
 * Renders each update of run `runId` until it ends or the timeout passes; returns the last state
 * seen. Live events come first; a poll every 2 s fills in when none arrives.
 */
async function followRun(
  api: HubGraphqlClient,
  out: Output,
  subscription: RunUpdates,
  first: Promise<FirstEvent>,
  runId: string,
  timeoutSeconds: number,
): Promise<SyncRunRow | null> {
  const firstEvent: Promise<RunEvent> = first.then((r) => {
    if ('error' in r) throw r.error;
    return r.event;
  });
  const state: { last: SyncRunRow | null; ticks: number } = { last: null, ticks: 0 };
  const render = (run: SyncRunRow) => {
    state.last = run;
    const ended = ENDED_STATUSES.has(run.status);
    out.status(
      progressBar(
        ended ? 1 : ++state.ticks,
        ended ? 1 : null,
        `${run.status.padEnd(14)} ${processed(run)} change(s), ${run.graphRequests ?? 0} Graph request(s), ${duration(run.startedAt ?? run.requestedAt, run.finishedAt)}`,
      ),
    );
  };
  const hasEnded = () => state.last !== null && ENDED_STATUSES.has(state.last.status);

  const deadline = Date.now() + timeoutSeconds * 1000;
  let pending: Promise<RunEvent> | null = firstEvent;
  try {
    while (!hasEnded() && Date.now() < deadline) {
      const poll: Promise<'poll'> = sleep(2_000).then(() => 'poll' as const);
      const winner: RunEvent | 'poll' = await Promise.race([pending ?? poll, poll]);
      if (winner === 'poll') {
        const run = await fetchRun(api, runId);
        if (run) render(run);
        continue;
      }
      pending = winner.done ? null : subscription.next();
      if (!winner.done && winner.value.syncRunUpdated.id === runId) {
        render(winner.value.syncRunUpdated);
      }
    }
  } finally {
    void subscription.return(undefined);
  }
  return state.last;
}

/** The run's summary and the exit code its status maps to. */
function reportRun(
  out: Output,
  runId: string,
  final: SyncRunRow | null,
  timeoutSeconds: number,
): number {
  if (!final || !ENDED_STATUSES.has(final.status)) {
    out.line('');
    out.line(`run ${runId} has not ended after ${timeoutSeconds} s; it goes on in the hub`);
    return 1;
  }
  out.line('');
  printRunSummary(out, final);
  if (final.status === 'NEEDS_APPROVAL') {
    out.line(
      `staged: review with "changes ${runId}", then "approve ${runId}" or "reject ${runId}"`,
    );
    return 2;
  }
  return final.status === 'SUCCEEDED' || final.status === 'PARTIAL' ? 0 : 1;
}

function printRunSummary(out: Output, run: SyncRunRow): void {
  const c = run.counts;
  out.line(
    `run ${run.id} ${run.status} (${run.trigger}, ${run.mode}) in ${duration(run.startedAt, run.finishedAt)}`,
  );
  out.line(
    table(
      [
        'USERS +',
        'UPDATED',
        'ENABLED',
        'DISABLED',
        'DELETED',
        'PENDING',
        'GROUPS +',
        'MEMBERS +/-',
        'ERRORS',
        'GRAPH REQ',
      ],
      [
        [
          c.usersCreated,
          c.usersUpdated,
          c.usersEnabled,
          c.usersDisabled,
          c.usersDeleted,
          c.usersPending,
          c.groupsCreated,
          `${c.membershipsAdded}/${c.membershipsRemoved}`,
          c.errors,
          run.graphRequests,
        ],
      ],
    ),
  );
  if (run.error) out.line(`error: ${run.error.code}: ${run.error.message}`);
}

/**
 * A hub from before the sync-run API answers the `syncRunUpdated` subscription with a validation
 * error: told by its code (docs/api.md, "Errors"), never by the wording of the message.
 */
function isMissingSyncRunApi(error: unknown): boolean {
  return (
    error instanceof GraphqlRequestError &&
    error.code === ProtocolErrorCode.GRAPHQL_VALIDATION_FAILED
  );
}

interface ConnectorOutcome {
  status: string;
  statusReason: string | null;
  lastSuccessfulSyncAt: string | null;
  lastError: { at: string; code: string; message: string } | null;
}

/**
 * Follows a sync through the connector's own fields when the hub has no sync-run API: done at
 * the first success or error recorded after the request (a second of clock tolerance).
 */
async function followConnector(
  api: HubGraphqlClient,
  out: Output,
  connectorId: string,
  requestedAt: number,
  timeoutSeconds: number,
): Promise<number> {
  const since = requestedAt - 1_000;
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let tick = 1; Date.now() < deadline; tick++) {
    const { connector: c } = await api.request<{ connector: ConnectorOutcome }>(CONNECTOR_OUTCOME, {
      id: connectorId,
    });
    if (c.lastSuccessfulSyncAt && Date.parse(c.lastSuccessfulSyncAt) >= since) {
      out.status(progressBar(1, 1, `synced at ${c.lastSuccessfulSyncAt}`));
      out.line('');
      out.line(`connector ${connectorId}: ${c.status}`);
      return 0;
    }
    if (c.lastError && Date.parse(c.lastError.at) >= since) {
      out.line('');
      out.line(`sync failed: ${c.lastError.code}: ${c.lastError.message}`);
      out.line(`connector ${connectorId}: ${c.status} (${c.statusReason ?? ''})`);
      return 1;
    }
    out.status(progressBar(tick, null, `waiting for the sync (${c.status})`));
    await sleep(1_000);
  }
  out.line('');
  out.line(`no sync outcome after ${timeoutSeconds} s; it goes on in the hub`);
  return 1;
}

function processed(run: SyncRunRow): number {
  const c = run.counts;
  return c
    ? c.usersCreated +
        c.usersUpdated +
        c.usersEnabled +
        c.usersDisabled +
        c.usersDeleted +
        c.groupsCreated +
        c.groupsUpdated +
        c.groupsRemoved
    : 0;
}

async function fetchRun(api: HubGraphqlClient, id: string): Promise<SyncRunRow | null> {
  try {
    return (await api.request<{ syncRun: SyncRunRow }>(SYNC_RUN, { id })).syncRun;
  } catch (error) {
    if (error instanceof GraphqlRequestError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
