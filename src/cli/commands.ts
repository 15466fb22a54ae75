import { GraphqlRequestError, type HubGraphqlClient } from './graphql-client.js';
import {
  APPROVE_SYNC_RUN,
  CONNECTOR_OUTCOME,
  ENDED_STATUSES,
  LIST_CONNECTORS,
  REJECT_SYNC_RUN,
  SYNC_RUN,
  SYNC_RUN_CHANGES,
  SYNC_RUN_UPDATED,
  SYNC_RUNS,
  SYNCHRONIZE_NOW,
  type ChangeRow,
  type ConnectorRow,
  type SyncRunRow,
} from './operations.js';
import { mintPortalJwt } from './portal-jwt.js';
import { duration, progressBar, table } from './render.js';

export interface Output {
  line(text: string): void;
  /** Rewrites the current line on a terminal; a new line otherwise. */
  status(text: string): void;
}

export async function tokenCommand(
  out: Output,
  options: {
    secret: string | null;
    issuer: string;
    audience: string;
    role: string;
    scopeId: string | undefined;
    subject: string | undefined;
    expiresInSeconds: number;
  },
): Promise<number> {
  if (!options.secret) {
    throw new Error('set AUTH_JWT_SECRET (the hub HS256 secret) or run next to a dev stack');
  }
  const role = options.role.toUpperCase();
  if (role !== 'PARTNER_ADMIN' && role !== 'COMPANY_ADMIN') {
    throw new Error('--role must be PARTNER_ADMIN or COMPANY_ADMIN');
  }
  if (!options.scopeId) {
    throw new Error(
      role === 'PARTNER_ADMIN' ? '--partner <id> is required' : '--company <id> is required',
    );
  }
  out.line(
    await mintPortalJwt({
      secret: options.secret,
      issuer: options.issuer,
      audience: options.audience,
      role: role,
      scopeId: options.scopeId,
      ...(options.subject ? { subject: options.subject } : {}),
      expiresInSeconds: options.expiresInSeconds,
    }),
  );
  return 0;
}

export async function connectorsCommand(
  api: HubGraphqlClient,
  out: Output,
  filter: { companyId?: string | undefined; status?: string | undefined },
): Promise<number> {
  const { connectors } = await api.request<{ connectors: ConnectorRow[] }>(LIST_CONNECTORS, {
    companyId: filter.companyId ?? null,
    status: filter.status ?? null,
  });
  out.line(
    table(
      ['ID', 'NAME', 'COMPANY', 'STATUS', 'VERIFIED', 'SYNC GROUP', 'LAST SYNC', 'REASON'],
      connectors.map((c) => [
        c.id,
        c.name,
        c.companyId,
        c.status ?? (c.enabled ? 'NOT SAVED' : 'DISABLED'),
        c.verified ? 'yes' : 'no',
        c.syncGroup?.name,
        c.lastSuccessfulSyncAt,
        c.statusReason,
      ]),
    ),
  );
  out.line(`${connectors.length} connector(s)`);
  return 0;
}

/**
 * Asks for a sync and follows the run to its end: the `syncRunUpdated` subscription drives the
 * progress bar; a poll of `syncRun` every 2 s covers events missed before the subscription was
 * established. Exit code: 0 SUCCEEDED/PARTIAL, 2 NEEDS_APPROVAL, 1 otherwise.
 */
export async function syncCommand(
  api: HubGraphqlClient,
  out: Output,
  options: { connectorId: string; follow: boolean; timeoutSeconds: number },
): Promise<number> {
  const subscription = options.follow
    ? api.subscribe<{ syncRunUpdated: SyncRunRow }>(SYNC_RUN_UPDATED, {
        connectorId: options.connectorId,
      })
    : null;
  type Event = IteratorResult<{ syncRunUpdated: SyncRunRow }, void>;
  // Start listening before asking, so the first events are not missed.
  const first = subscription
    ? subscription.next().then(
        (event): { event: Event } => ({ event }),
        (error: unknown): { error: unknown } => ({ error }),
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
  const firstEvent: Promise<Event> = first.then((r) => {
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

  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let pending: Promise<Event> | null = firstEvent;
  try {
    while (!hasEnded() && Date.now() < deadline) {
      const poll: Promise<'poll'> = sleep(2_000).then(() => 'poll' as const);
      const winner: Event | 'poll' = await Promise.race([pending ?? poll, poll]);
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
  const final = state.last;
  if (!final || !ENDED_STATUSES.has(final.status)) {
    out.line('');
    out.line(`run ${runId} has not ended after ${options.timeoutSeconds} s; it goes on in the hub`);
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

function isMissingSyncRunApi(error: unknown): boolean {
  return (
    error instanceof GraphqlRequestError &&
    /syncRunUpdated|SyncRun/.test(error.message) &&
    /Cannot query field|Unknown type|GRAPHQL_VALIDATION_FAILED/.test(error.message)
  );
}

interface ConnectorOutcome {
  status: string | null;
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
      out.line(`connector ${connectorId}: ${c.status ?? 'not saved'}`);
      return 0;
    }
    if (c.lastError && Date.parse(c.lastError.at) >= since) {
      out.line('');
      out.line(`sync failed: ${c.lastError.code}: ${c.lastError.message}`);
      out.line(`connector ${connectorId}: ${c.status ?? 'not saved'} (${c.statusReason ?? ''})`);
      return 1;
    }
    out.status(progressBar(tick, null, `waiting for the sync (${c.status ?? 'not saved'})`));
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

/** `name: before -> after` for each touched field. */
export function fieldChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): string {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const show = (v: unknown) => (v === undefined || v === null ? '∅' : JSON.stringify(v));
  return [...names].map((n) => `${n}: ${show(before?.[n])} -> ${show(after?.[n])}`).join('; ');
}
