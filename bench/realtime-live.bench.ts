/**
 * `npm run bench:live`: how long a connector status change takes to reach the portal's live
 * events, across two hub instances on one database (the Mongo event bus, PUBSUB_MODE=mongo, on
 * whatever database the tests use). Two runtimes (`startHubRuntime`) share the database; one
 * connector's `enabled` flag is toggled through instance A's GraphQL API at random intervals, and
 * a graphql-ws subscriber on A and one on B record every `connectorStatusChanged` event.
 *
 * Two latencies per event received: from the change (its `changedAt`, the hub's clock when the
 * mutation began its write; one process, one clock), which covers the connector's update, the
 * publish (sequence number + insert into `live_events`), each instance's tailing cursor, the
 * fan-out and graphql-ws, i.e. what a portal user waits; and from the publish (A's publish
 * resolved: the event is stored), the bus's own part. Prints a table and JSON (per subscriber:
 * median and p99 as medians over BENCH_RUNS runs, p99 and max over every event of every run;
 * missing and out-of-order events counted) and writes both to
 * bench/results/realtime-live.{json,md}. Never pass/fail.
 *
 * Environment: BENCH_RUNS (3), BENCH_LIVE_EVENTS (120 per run), BENCH_LIVE_GAP_MS (400: the wait
 * before each toggle is uniform in [0, this]), BENCH_LIVE_MAX_AWAIT_MS (the bus's getMore wait;
 * default the runtime's, 1 s).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import mongoose, { type Connection } from 'mongoose';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig, loadProvisionConfig, projectRoot } from '../src/config.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { LiveTopic } from '../src/events/live-events.js';
import { MongoEventBus } from '../src/events/mongo-event-bus.js';
import { startHubRuntime, type HubRuntime } from '../src/runtime/start-hub-runtime.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const EVENTS = Number(process.env['BENCH_LIVE_EVENTS'] ?? 120);
const GAP_MS = Number(process.env['BENCH_LIVE_GAP_MS'] ?? 400);
const MAX_AWAIT_MS = process.env['BENCH_LIVE_MAX_AWAIT_MS']
  ? Number(process.env['BENCH_LIVE_MAX_AWAIT_MS'])
  : undefined;
const JWT_SECRET = randomBytes(32).toString('hex');
const logger = pino({ level: 'silent' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const median = (values: number[]) => percentile(values, 50);

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const jwt = await new SignJWT({ role: 'PARTNER_ADMIN', partnerId: 'bench-live' })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench')
  .setIssuer('entra-connector-hub')
  .setAudience('entra-connector-hub')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(JWT_SECRET));

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

async function startRuntime(connection: Connection): Promise<HubRuntime> {
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  return startHubRuntime({
    config,
    logger,
    connection,
    // Status changes only: sync requests answer at once and nothing runs.
    engine: (ports) => ({
      ...ports,
      syncRequester: { requestSync: () => Promise.resolve({ runId: 'not-run' }) },
      syncActivity: undefined,
      poller: undefined,
    }),
    startEngine: false,
    defaultMetrics: false,
    ...(MAX_AWAIT_MS ? { tuning: { busMaxAwaitMs: MAX_AWAIT_MS } } : {}),
  });
}

interface Received {
  changedAt: number;
  receivedAt: number;
}

/** A graphql-ws subscriber to one connector's status, recording what it receives and when. */
function subscribe(url: string, connectorId: string) {
  const received: Received[] = [];
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${jwt}` },
    retryAttempts: 0,
  });
  const stop = client.subscribe<{ connectorStatusChanged: { changedAt: string } }>(
    {
      query: `subscription($id: ID) { connectorStatusChanged(connectorId: $id) { changedAt } }`,
      variables: { id: connectorId },
    },
    {
      next: (result) => {
        const at = result.data?.connectorStatusChanged.changedAt;
        if (at) received.push({ changedAt: Date.parse(at), receivedAt: Date.now() });
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return {
    received,
    close: async () => {
      stop();
      await Promise.resolve(client.dispose());
    },
  };
}

/** The bus's count of subscriptions in place: a subscriber is "connected" from then on. */
function statusSubscribers(runtime: HubRuntime): number {
  const bus = runtime.bus;
  if (!(bus instanceof MongoEventBus)) throw new Error('the bench needs PUBSUB_MODE=mongo');
  return bus.subscriberCount(LiveTopic.CONNECTOR_STATUS_CHANGED);
}

interface SubscriberFigures {
  /** Per event received: ms from the change (`changedAt`). */
  fromChange: number[];
  /** Per event received: ms from its publish resolving (stored in `live_events`). */
  fromPublish: number[];
  missing: number;
  outOfOrder: number;
}

/** `published`: changedAt -> when A's publish of it resolved (epoch ms), in publication order. */
function evaluate(published: Map<number, number>, received: Received[]): SubscriberFigures {
  const seen = received.map((r) => r.changedAt);
  const mine = received.filter((r) => published.has(r.changedAt));
  return {
    fromChange: mine.map((r) => r.receivedAt - r.changedAt),
    fromPublish: mine.map((r) => r.receivedAt - published.get(r.changedAt)!),
    missing: [...published.keys()].filter((at) => !seen.includes(at)).length,
    outOfOrder: seen.filter((at, i) => i > 0 && at <= seen[i - 1]!).length,
  };
}

interface RunFigures {
  a: SubscriberFigures;
  b: SubscriberFigures;
  /** Per change, ms from `changedAt` to the event stored (the write and the publish). */
  stored: number[];
}

async function benchRun(serverUri: string): Promise<RunFigures> {
  const connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_live_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const a = await startRuntime(connection);
  const b = await startRuntime(connection);
  try {
    const { createCompany } = await gql<{ createCompany: { id: string } }>(
      a.url,
      'mutation { createCompany(input: { name: "Bench live" }) { id } }',
    );
    const { installConnector } = await gql<{ installConnector: { connector: { id: string } } }>(
      a.url,
      'mutation($c: ID!) { installConnector(input: { companyId: $c, name: "Azure AD" }) { connector { id } } }',
      { c: createCompany.id },
    );
    const connectorId = installConnector.connector.id;
    const onA = subscribe(a.url, connectorId);
    const onB = subscribe(b.url, connectorId);
    await until(
      () => statusSubscribers(a) === 1 && statusSubscribers(b) === 1,
      10_000,
      'both subscriptions in place',
    );
    // What A published (its hook runs once the insert is done, before any tailing).
    const published = new Map<number, number>();
    a.live.onLocalPublish((topic, payload) => {
      if (topic !== LiveTopic.CONNECTOR_STATUS_CHANGED) return;
      published.set(new Date(payload.changedAt as Date).getTime(), Date.now());
    });
    for (let i = 0; i < EVENTS; i++) {
      await sleep(Math.random() * GAP_MS);
      await gql(
        a.url,
        'mutation($id: ID!, $on: Boolean!) { setConnectorEnabled(connectorId: $id, enabled: $on) { id } }',
        { id: connectorId, on: i % 2 === 1 },
      );
    }
    await until(() => published.size >= EVENTS, 30_000, 'every change published');
    await until(
      () => onA.received.length >= EVENTS && onB.received.length >= EVENTS,
      10_000,
      'every event on both subscribers',
    ).catch(() => undefined); // counted as missing below
    await onA.close();
    await onB.close();
    const stored = [...published].map(([changedAt, at]) => at - changedAt);
    return { a: evaluate(published, onA.received), b: evaluate(published, onB.received), stored };
  } finally {
    await b.stop();
    await a.stop();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

function latency(runs: number[][]) {
  return {
    medianMs: median(runs.map((r) => median(r))),
    p99Ms: median(runs.map((r) => percentile(r, 99))),
    maxMs: Math.max(...runs.flat()),
    pooledP99Ms: percentile(runs.flat(), 99),
  };
}

function summarize(runs: SubscriberFigures[]) {
  return {
    events: runs.reduce((n, r) => n + r.fromChange.length, 0),
    ...latency(runs.map((r) => r.fromChange)),
    fromPublish: latency(runs.map((r) => r.fromPublish)),
    missing: runs.reduce((n, r) => n + r.missing, 0),
    outOfOrder: runs.reduce((n, r) => n + r.outOfOrder, 0),
  };
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
try {
  const runs: RunFigures[] = [];
  for (let run = 0; run < RUNS; run++) {
    runs.push(await benchRun(handle.uri));
    process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
  }
  const figures = {
    database: handle.provider,
    runs: RUNS,
    note: `${EVENTS} status changes per run, ${GAP_MS} ms max gap, ${cpus().length} cores`,
    liveSameInstance: summarize(runs.map((r) => r.a)),
    liveOtherInstance: summarize(runs.map((r) => r.b)),
    changeStored: latency(runs.map((r) => r.stored)),
  };
  type Latency = ReturnType<typeof latency>;
  const cells = (f: Latency) => `${f.medianMs} | ${f.p99Ms} | ${f.pooledP99Ms} | ${f.maxMs}`;
  const row = (name: string, f: ReturnType<typeof summarize>) =>
    `| ${name} | ${f.events} | ${cells(f)} | ${cells(f.fromPublish)} | ${f.missing} | ${f.outOfOrder} |`;
  const table = [
    `Live events: status change on A -> graphql-ws subscriber (${figures.database}, ${RUNS} runs; ${figures.note})`,
    '',
    '| subscriber | events | from the change: median ms | p99 (median of runs) | p99 (all events) | max | from the publish: median ms | p99 (median of runs) | p99 (all events) | max | missing | out of order |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row('on A (same instance)', figures.liveSameInstance),
    row('on B (other instance)', figures.liveOtherInstance),
    '',
    `The write and the publish (change -> stored in live_events): median ${figures.changeStored.medianMs} ms, p99 ${figures.changeStored.p99Ms} ms, max ${figures.changeStored.maxMs} ms.`,
  ].join('\n');
  console.log(`\n${table}\n`);
  const dir = path.join(projectRoot(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'realtime-live.json'), `${JSON.stringify(figures, null, 2)}\n`);
  await writeFile(path.join(dir, 'realtime-live.md'), `${table}\n`);
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await handle.stop();
}
// Agenda 6 leaves a liveness timer per job run (half the job's lock lifetime, up to minutes)
// that stopping it does not clear: the figures are written, so end here instead of waiting.
process.exit(process.exitCode ?? 0);
