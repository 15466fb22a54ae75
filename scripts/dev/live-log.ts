import type { Client } from 'graphql-ws';
import { HubGraphqlClient } from '../../src/cli/graphql-client.js';

/**
 * `npm run dev`'s console after the summary: one line per connector status change and per ended
 * sync run, read from the hub's live events over GraphQL as a portal would
 * (`connectorStatusChanged` for every connector the partner sees, `syncRunUpdated` per connector).
 */

const STATUS_CHANGED = `subscription DevStatus {
  connectorStatusChanged { connectorId companyId previousStatus status statusReason changedAt }
}`;
const RUN_UPDATED = `subscription DevRuns($connectorId: ID!) {
  syncRunUpdated(connectorId: $connectorId) {
    id connectorId trigger mode status startedAt finishedAt error { code message }
    counts { usersCreated usersUpdated usersDisabled usersEnabled usersDeleted usersPending staged errors }
  }
}`;
const CONNECTORS = `query DevConnectors { connectors(first: 1000) { nodes { id name companyId } } companies { id name } }`;

interface StatusChange {
  connectorId: string;
  previousStatus: string | null;
  status: string;
  statusReason: string | null;
  changedAt: string;
}

interface RunEvent {
  id: string;
  connectorId: string;
  trigger: string;
  mode: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, number>;
  error: { code: string; message: string } | null;
}

const ENDED = new Set(['SUCCEEDED', 'PARTIAL', 'FAILED', 'NEEDS_APPROVAL', 'CANCELLED']);
const COUNT_LABELS: [string, string][] = [
  ['usersCreated', 'created'],
  ['usersUpdated', 'updated'],
  ['usersDisabled', 'disabled'],
  ['usersEnabled', 'enabled'],
  ['usersDeleted', 'deleted'],
  ['usersPending', 'pending'],
  ['staged', 'staged for approval'],
  ['errors', 'errors'],
];

export interface LiveLog {
  stop(): Promise<void>;
}

export function followLiveEvents(options: {
  graphqlUrl: string;
  partnerAdminJwt: string;
  connectorIds: string[];
  print: (line: string) => void;
}): LiveLog {
  const api = new HubGraphqlClient(options.graphqlUrl, `Bearer ${options.partnerAdminJwt}`);
  const ws: Client = api.subscriptions();
  const names = new Map<string, string>();
  const followed = new Set<string>();
  let stopping = false;

  const refreshNames = async () => {
    const data = await api.request<{
      connectors: { nodes: { id: string; name: string; companyId: string }[] };
      companies: { id: string; name: string }[];
    }>(CONNECTORS);
    const companies = new Map(data.companies.map((c) => [c.id, c.name]));
    for (const c of data.connectors.nodes) {
      names.set(c.id, `${c.name}, ${companies.get(c.companyId) ?? c.companyId}`);
    }
  };
  const label = (connectorId: string) =>
    `connector ${connectorId} (${names.get(connectorId) ?? 'new'})`;
  const failed = (what: string) => (error: unknown) => {
    if (!stopping) options.print(`${time()} live events: ${what} stopped (${describe(error)})`);
  };

  const followRuns = (connectorId: string) => {
    if (followed.has(connectorId)) return;
    followed.add(connectorId);
    ws.subscribe<{ syncRunUpdated: RunEvent }>(
      { query: RUN_UPDATED, variables: { connectorId } },
      {
        next: ({ data }) => {
          const run = data?.syncRunUpdated;
          if (run && ENDED.has(run.status)) options.print(runLine(run, label(run.connectorId)));
        },
        error: failed(`sync runs of ${connectorId}`),
        complete: () => undefined,
      },
    );
  };

  ws.subscribe<{ connectorStatusChanged: StatusChange }>(
    { query: STATUS_CHANGED },
    {
      next: ({ data }) => {
        const change = data?.connectorStatusChanged;
        if (!change) return;
        const known = names.has(change.connectorId);
        void (known ? Promise.resolve() : refreshNames().catch(() => undefined)).then(() => {
          options.print(statusLine(change, label(change.connectorId)));
          followRuns(change.connectorId);
        });
      },
      error: failed('connector status'),
      complete: () => undefined,
    },
  );
  void refreshNames().catch(() => undefined);
  for (const id of options.connectorIds) followRuns(id);

  return {
    async stop() {
      stopping = true;
      await ws.dispose();
    },
  };
}

function statusLine(change: StatusChange, connector: string): string {
  const reason = change.statusReason ? `: ${change.statusReason}` : '';
  return `${time(change.changedAt)} ${connector}: ${change.previousStatus ?? 'NOT_SAVED'} -> ${change.status}${reason}`;
}

function runLine(run: RunEvent, connector: string): string {
  const counts = COUNT_LABELS.filter(([key]) => (run.counts[key] ?? 0) > 0)
    .map(([key, text]) => `${run.counts[key]} ${text}`)
    .join(', ');
  const took =
    run.startedAt && run.finishedAt
      ? ` in ${Date.parse(run.finishedAt) - Date.parse(run.startedAt)} ms`
      : '';
  const next =
    run.status === 'NEEDS_APPROVAL'
      ? ` (approve or reject it in the portal, or npm run hub -- approve ${run.id})`
      : '';
  const error = run.error ? ` ${run.error.code}: ${run.error.message}` : '';
  return `${time(run.finishedAt)} sync run ${run.id} of ${connector}: ${run.trigger} ${run.mode} ${run.status}${took}, users: ${counts || 'no changes'}${error}${next}`;
}

function time(iso?: string | null): string {
  const at = iso ? new Date(iso) : new Date();
  return at.toTimeString().slice(0, 8);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((e: { message?: string }) => e.message).join('; ');
  const closed = error as { code?: number; reason?: string };
  return `closed ${closed.code ?? '?'} ${closed.reason ?? ''}`.trim();
}
