/**
 * What the load and burst fault tests share: a stream of Entra changes made through the
 * emulator (joins, leaves, renames) that remembers what the directory must end up as, the
 * check that a connector's directory matches it, and how many runs of a connector overlapped.
 */
import type { RunningEmulator, SeededTenant } from '../helpers/emulator.js';
import { gql } from '../helpers/graphql.js';
import { type HubData, type RunRow, type UserRow } from '../helpers/hub-data.js';
import { divergence, waitDirectory } from './support.js';

/** Deterministic, so a failing sequence can be replayed (the emulator's mulberry32). */
export { seededRandom } from '../../src/emulator/store/names.js';

export type ChangeKind = 'join' | 'leave' | 'rename';

/**
 * One tenant's sync group under a stream of changes. Joins take users outside the group,
 * leaves take members that were in it from the start (never re-added, so a leave is final),
 * renames change a current member's display name. `expected*` is what Entra says now.
 */
export class TenantChanges {
  private readonly outsiders: string[];
  private readonly leavable: string[];
  readonly counts: Record<ChangeKind, number> = { join: 0, leave: 0, rename: 0 };
  /** What happened to each user, in order (for a failure's diagnosis). */
  readonly history = new Map<string, string[]>();
  private renameSeq = 0;

  constructor(
    private readonly emulator: RunningEmulator,
    readonly tenant: SeededTenant,
    private readonly random: () => number,
  ) {
    const members = new Set(this.members());
    this.outsiders = tenant.userIds.filter((id) => !members.has(id));
    this.leavable = tenant.userIds.filter((id) => members.has(id));
  }

  /** Entra ids of the users in the sync group now. */
  members(): string[] {
    const users = new Set(this.tenant.userIds);
    return this.emulator.control
      .getGroup(this.tenant.tenantId, this.tenant.syncGroupId)
      .memberIds.filter((id) => users.has(id));
  }

  displayName(entraId: string): string {
    return this.emulator.control.getUser(this.tenant.tenantId, entraId).displayName;
  }

  /** One random change (weights: join 2, leave 1, rename 2); null when none is possible. */
  change(): ChangeKind | null {
    const roll = this.random() * 5;
    const order: ChangeKind[] =
      roll < 2 ? ['join', 'rename', 'leave'] : roll < 3 ? ['leave', 'join', 'rename'] : ['rename'];
    for (const kind of order) if (this.apply(kind)) return kind;
    return null;
  }

  apply(kind: ChangeKind): boolean {
    const { tenantId, syncGroupId } = this.tenant;
    const control = this.emulator.control;
    switch (kind) {
      case 'join': {
        const id = this.take(this.outsiders);
        if (!id) return false;
        control.addMembers(tenantId, syncGroupId, [id]);
        this.note(id, 'join');
        // A joiner may also leave later in the stream; so may a renamed one.
        this.leavable.push(id);
        break;
      }
      case 'leave': {
        const id = this.take(this.leavable);
        if (!id) return false;
        control.removeMember(tenantId, syncGroupId, id);
        this.note(id, 'leave');
        break;
      }
      case 'rename': {
        const members = this.leavable;
        if (members.length === 0) return false;
        const id = members[Math.floor(this.random() * members.length)]!;
        this.renameSeq += 1;
        control.updateUser(tenantId, id, {
          displayName: `Renamed ${this.renameSeq} ${id.slice(0, 6)}`,
        });
        break;
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown change ${String(never)}`);
      }
    }
    this.counts[kind] += 1;
    return true;
  }

  private note(id: string, what: string): void {
    const entries = this.history.get(id) ?? [];
    entries.push(`${new Date().toISOString()} ${what}`);
    this.history.set(id, entries);
  }

  private take(pool: string[]): string | undefined {
    if (pool.length === 0) return undefined;
    const index = Math.floor(this.random() * pool.length);
    return pool.splice(index, 1)[0];
  }
}

/**
 * The directory matches Entra: `divergence` (one ACTIVE user per member, nobody else ACTIVE, no
 * user twice by Entra id or email) and every member's display name as Entra has it now.
 */
export function mismatch(users: UserRow[], changes: TenantChanges): string {
  const stale = staleNames(users, changes);
  return [
    divergence(users, changes.members()),
    stale.length ? `${stale.length} display names behind Entra` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** Members whose directory display name is not Entra's. */
export function staleNames(users: UserRow[], changes: TenantChanges): string[] {
  const byId = new Map(users.map((u) => [String(u.entraId), u]));
  return changes.members().filter((id) => {
    const user = byId.get(id);
    return user !== undefined && user.displayName !== changes.displayName(id);
  });
}

/** Waits until the connector has no QUEUED or RUNNING run and its directory matches Entra. */
export function waitMatches(
  data: HubData,
  connectorId: string,
  changes: TenantChanges,
  timeoutMs: number,
): Promise<void> {
  return waitDirectory(
    data,
    connectorId,
    (users) => mismatch(users, changes),
    timeoutMs,
    `connector ${connectorId} to match Entra`,
    500,
  );
}

/** The most runs of one connector that were RUNNING at the same instant (startedAt..finishedAt). */
export function maxConcurrentRuns(runs: RunRow[]): number {
  const edges: [number, number][] = [];
  for (const run of runs) {
    if (!run.startedAt) continue;
    const end = run.finishedAt ? run.finishedAt.getTime() : Number.POSITIVE_INFINITY;
    edges.push([run.startedAt.getTime(), 1], [end, -1]);
  }
  // An end and a start at the same millisecond do not overlap: ends first.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of edges) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

/** Raises the mass-change guard so a stream of leaves is applied, not staged for approval. */
export async function allowMassChanges(url: string, jwt: string, connectorId: string) {
  await gql(
    url,
    jwt,
    'mutation($id:ID!,$r:SyncRulesInput!){ updateSyncRules(connectorId:$id, rules:$r) { id } }',
    { id: connectorId, r: { massChangeThresholdAbsolute: 100_000 } },
  );
}

/** Ids of the runs a hub process executed, from its own log lines (finished or failed). */
export function runsExecutedBy(records: Record<string, unknown>[]): Set<string> {
  return new Set(
    records
      .filter((r) => r['msg'] === 'sync run finished' || r['msg'] === 'sync run failed')
      .map((r) => String(r['runId'])),
  );
}

/**
 * A load balancer in front of the hub instances, as Graph sees a deployment: every request (the
 * validation handshake, notifications, lifecycle events) goes to the next live instance in turn.
 */
export async function startRoundRobin(targets: () => string[]): Promise<{
  url: string;
  forwarded: Map<string, number>;
  close(): Promise<void>;
}> {
  const { createServer } = await import('node:http');
  const forwarded = new Map<string, number>();
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const all = targets();
      const target = all[next++ % all.length]!;
      forwarded.set(target, (forwarded.get(target) ?? 0) + 1);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers.set(name, value);
      }
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          const passed = [...answer.headers].filter(
            ([name]) => !['content-encoding', 'transfer-encoding', 'connection'].includes(name),
          );
          res.writeHead(answer.status, Object.fromEntries(passed));
          res.end(body);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
