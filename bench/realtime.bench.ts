/**
 * `npm run bench:realtime`: the real-time path of the whole running service (src/runtime), with
 * the Graph emulator over HTTPS and the dev/test database. Prints a table and JSON (medians of
 * BENCH_RUNS runs) and writes both to bench/results/realtime.{json,md}. Never pass/fail.
 *
 *   1. validation handshake and notification ack latency at 500 requests/s against the hub's
 *      HTTP server (the receiver as mounted, with its metrics instrumentation), sent from a worker
 *      thread (bench/support/receiver-load.ts). The notifications are one 4-second stream over 50
 *      connectors; its first second (the first notification of every connector, in a fresh
 *      runtime) is reported apart from the other three;
 *   2. end-to-end latency from a member added to the sync group in the emulator to the user in
 *      the hub's directory (`directory_users.createdAt`), through Graph change notifications
 *      (webhook) and through the fallback poll, with the real sync engine; also the time to the
 *      sync request alone;
 *   3. idle connectors one instance polls within a minute: connectors in sync with Entra (delta
 *      links seeded), each checked once per minute by the poll's delta probe.
 *
 * Environment: BENCH_RUNS (3), BENCH_E2E_SAMPLES (10), BENCH_POLL_INTERVAL_MS (5000),
 * BENCH_IDLE_CONNECTORS (2000), BENCH_IDLE_WINDOW_MS (60000), BENCH_IDLE_WARMUP_MS (10000),
 * BENCH_IDLE_RUNS (= BENCH_RUNS; the idle
 * part takes a minute per run), BENCH_PARTS (all): a comma list
 * of `ack` (part 1 only: no end-to-end samples, a quick loop for the receiver), `e2e` (part 1
 * and the webhook/poll latencies of part 2) and `idle` (part 3). Figures of parts not run are
 * printed as null; bench/results is only written when every part ran.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import mongoose, { Types, type Connection } from 'mongoose';
import { pino } from 'pino';
import { insertActiveConnectors } from './support/active-connectors.js';
import { notificationRequests, receiverLoad, validationRequests } from './support/receiver-load.js';
import { loadConfig, loadProvisionConfig, projectRoot, type Config } from '../src/config.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { graphSubscriptionModel } from '../src/db/models/graph-subscription.model.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { SyncTrigger, type ConnectorSyncConfig } from '../src/domain/connector.js';
import { DEFAULT_SYNC_RULES } from '../src/domain/sync-rules.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { startHubRuntime, type HubRuntime } from '../src/runtime/start-hub-runtime.js';
import type { EnginePortsOverride } from '../src/runtime/engine.js';
import { connectorGraph } from '../src/integrations/entra/connector-graph.js';
import { TenantGate } from '../src/integrations/entra/tenant-gate.js';
import { DeltaReader } from '../src/integrations/entra/delta-reader.js';
import { scopeKey } from '../src/sync/run/delta-sync.js';
import { hashClientState } from '../src/webhooks/client-state.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SAMPLES = Number(process.env['BENCH_E2E_SAMPLES'] ?? 10);
const POLL_INTERVAL_MS = Number(process.env['BENCH_POLL_INTERVAL_MS'] ?? 5_000);
const IDLE_CONNECTORS = Number(process.env['BENCH_IDLE_CONNECTORS'] ?? 2_000);
const IDLE_WINDOW_MS = Number(process.env['BENCH_IDLE_WINDOW_MS'] ?? 60_000);
const IDLE_WARMUP_MS = Number(process.env['BENCH_IDLE_WARMUP_MS'] ?? 10_000);
const PARTS = new Set(
  (process.env['BENCH_PARTS'] ?? 'ack,e2e,idle').split(',').map((p) => p.trim()),
);
/** The idle part takes a whole minute per run: fewer runs of it than of the others. */
const IDLE_RUNS = Number(process.env['BENCH_IDLE_RUNS'] ?? RUNS);
const RATE = 500;
/** The notification stream lasts this long; its first second is reported apart. */
const ACK_SECONDS = 4;
const JWT_SECRET = randomBytes(32).toString('hex');
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' }, pino.destination(2));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const median = (values: number[]) => percentile(values, 50);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function until<T>(
  probe: () => T | undefined | null | false,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Fires `count` requests at `rate` per second (open loop); each latency in ms, and how many were
 * answered 503 (the receiver could not persist within 2 s: Graph would redeliver those).
 */
/** Every sync request the engine receives, timestamped, in front of the real engine. */
interface SyncRequestLog {
  connectorId: string;
  trigger: SyncTrigger;
  at: number;
}
/** Every poll of a connector and what it came to (the probe's result kind). */
interface PollLog {
  connectorId: string;
  at: number;
  kind: string;
  recorded: boolean;
  /** Why a run was queued instead. */
  reason?: string;
}

function measured(log: SyncRequestLog[], polls: PollLog[]): EnginePortsOverride {
  return (engine) => {
    const poller = engine.poller;
    return {
      ...engine,
      syncRequester: {
        requestSync(connectorId, trigger, options) {
          log.push({ connectorId, trigger, at: Date.now() });
          return engine.syncRequester.requestSync(connectorId, trigger, options);
        },
      },
      // The poll's probe queues its POLL runs through the engine directly: log those too.
      ...(poller
        ? {
            poller: {
              async poll(connectorId: string) {
                const result = await poller.poll(connectorId);
                polls.push({
                  connectorId,
                  at: Date.now(),
                  kind: result.kind,
                  recorded: (result as { recorded?: boolean }).recorded === true,
                  ...('reason' in result ? { reason: String(result.reason) } : {}),
                });
                if (result.kind === 'sync') {
                  log.push({ connectorId, trigger: SyncTrigger.POLL, at: Date.now() });
                }
                return result;
              },
            },
          }
        : {}),
    };
  };
}

interface Tenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
  outsiders: string[];
}

function seedTenant(emulator: RunningEmulator, users: number, syncGroupMembers = 5): Tenant {
  const control = emulator.control;
  const tenant = control.createTenant({});
  const app = control.createApp({ displayName: 'Entra connector hub (bench)' });
  const secret = control.addSecret(app.clientId);
  control.grantConsent(tenant.id, app.clientId);
  const generated = control.generateTenant(tenant.id, {
    users,
    groups: 1,
    syncGroupMembers,
    guestShare: 0,
    disabledShare: 0,
  });
  const members = new Set(control.getGroup(tenant.id, generated.syncGroupId).memberIds);
  return {
    tenantId: tenant.id,
    clientId: app.clientId,
    clientSecret: secret.secretText,
    syncGroupId: generated.syncGroupId,
    outsiders: generated.userIds.filter((id) => !members.has(id)),
  };
}

async function hubConfig(
  emulator: RunningEmulator,
  options: { webhooks: boolean; pollIntervalMs: number; port: number },
): Promise<Readonly<Config>> {
  return loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    PORT: String(options.port),
    ...(options.webhooks ? { PUBLIC_BASE_URL: `http://127.0.0.1:${options.port}` } : {}),
    ENTRA_AUTHORITY_HOST: emulator.authorityHost,
    GRAPH_BASE_URL: emulator.graphBaseUrl,
    ENTRA_CA_FILE: await emulator.writeCaFile(),
    SYNC_POLL_INTERVAL_MS: String(options.pollIntervalMs),
    LOG_LEVEL: 'silent',
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown>) {
  const jwt = await new SignJWT({ role: 'PARTNER_ADMIN', partnerId: 'bench' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuer('entra-connector-hub')
    .setAudience('entra-connector-hub')
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

/** The portal's flow up to "Save changes"; returns the connector id. */
async function activate(url: string, tenant: Tenant): Promise<string> {
  const company = await gql(url, 'mutation{ createCompany(input:{name:"Bench"}) { id } }', {});
  const companyId = (company['createCompany'] as { id: string }).id;
  const installed = await gql(
    url,
    'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { connector { id } } }',
    { c: companyId },
  );
  const id = (installed['installConnector'] as { connector: { id: string } }).connector.id;
  await gql(
    url,
    'mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
    { i: { connectorId: id, ...pickCredentials(tenant) } },
  );
  await gql(url, 'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }', { id });
  await gql(
    url,
    'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
    {
      id,
      g: tenant.syncGroupId,
    },
  );
  await gql(url, 'mutation($id:ID!){ activateConnector(connectorId:$id) { id } }', { id });
  return id;
}

function pickCredentials(t: Tenant) {
  return { tenantId: t.tenantId, clientId: t.clientId, clientSecret: t.clientSecret };
}

async function withRuntime<T>(
  serverUri: string,
  emulator: RunningEmulator,
  options: { webhooks: boolean; pollIntervalMs: number },
  work: (
    rt: HubRuntime,
    requests: SyncRequestLog[],
    connection: Connection,
    polls: PollLog[],
  ) => Promise<T>,
): Promise<T> {
  const connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_rt_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const requests: SyncRequestLog[] = [];
  const polls: PollLog[] = [];
  const port = await freePort();
  const runtime = await startHubRuntime({
    config: await hubConfig(emulator, { ...options, port }),
    logger,
    connection,
    engine: measured(requests, polls),
    defaultMetrics: false,
  });
  try {
    return await work(runtime, requests, connection, polls);
  } finally {
    await runtime.stop();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

/** Per change: ms to the sync request, and to the user's row in the directory. */
interface Latency {
  requested: number;
  applied: number;
}

async function endToEnd(
  emulator: RunningEmulator,
  connection: Connection,
  tenant: Tenant,
  connectorId: string,
  requests: SyncRequestLog[],
  trigger: SyncTrigger,
  timeoutMs: number,
): Promise<Latency[]> {
  const users = connection.db!.collection('directory_users');
  const latencies: Latency[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const user = tenant.outsiders.pop()!;
    // A random phase against the poll; for webhooks, time for the previous change to settle.
    await sleep(trigger === SyncTrigger.POLL ? Math.random() * POLL_INTERVAL_MS : 1_000);
    const t0 = Date.now();
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [user]);
    const hit = await until(
      () =>
        requests.find((r) => r.connectorId === connectorId && r.trigger === trigger && r.at >= t0),
      timeoutMs,
      `a ${trigger} sync after change ${i}`,
    );
    const deadline = Date.now() + timeoutMs;
    let row: { createdAt?: Date } | null = null;
    while (!row) {
      row = await users.findOne<{ createdAt: Date }>(
        { connectorId, entraId: user },
        { projection: { createdAt: 1 } },
      );
      if (!row && Date.now() > deadline) throw new Error(`user ${i} never reached the directory`);
      if (!row) await sleep(20);
    }
    latencies.push({ requested: hit.at - t0, applied: row.createdAt!.getTime() - t0 });
  }
  return latencies;
}

async function benchWebhooks(serverUri: string, emulator: RunningEmulator) {
  const tenant = seedTenant(emulator, SAMPLES + 20);
  return withRuntime(
    serverUri,
    emulator,
    { webhooks: true, pollIntervalMs: 3_600_000 },
    async (rt, requests, connection) => {
      const connectorId = await activate(rt.url, tenant);
      // Creating the subscriptions records a catch-up change: let it pass before measuring.
      await until(
        () => requests.some((r) => r.trigger === SyncTrigger.WEBHOOK),
        20_000,
        'the catch-up sync',
      );
      const e2e = PARTS.has('e2e')
        ? await endToEnd(
            emulator,
            connection,
            tenant,
            connectorId,
            requests,
            SyncTrigger.WEBHOOK,
            20_000,
          )
        : [];

      // Acks: 50 subscriptions of other connectors (their clientStates known here), 500/s.
      const subs = Array.from({ length: 50 }, (_, i) => ({
        id: randomUUID(),
        connectorId: new Types.ObjectId().toHexString(),
        clientState: randomUUID(),
        i,
      }));
      await graphSubscriptionModel(connection).insertMany(
        subs.map((s) => ({
          _id: s.id,
          connectorId: s.connectorId,
          tenantId: tenant.tenantId,
          resource: '/users',
          changeType: 'updated,deleted',
          clientStateHash: hashClientState(s.clientState),
          expiresAt: new Date(Date.now() + 86_400_000),
          renewAfter: new Date(Date.now() + 43_200_000),
        })),
      );
      const validation = await receiverLoad(validationRequests(rt.url, RATE * 2), RATE);
      // One stream of ACK_SECONDS: the first second is reported on its own (the first
      // notification of each of the 50 connectors, and of this process), the rest as the ack.
      const acks = await receiverLoad(
        notificationRequests(rt.url, subs, RATE * ACK_SECONDS, tenant.tenantId),
        RATE,
      );
      const ack = Object.assign(acks.slice(RATE), { unavailable: acks.unavailable });
      return { e2e, validation, ack, firstSecond: acks.slice(0, RATE) };
    },
  );
}

async function benchPoll(serverUri: string, emulator: RunningEmulator) {
  const tenant = seedTenant(emulator, SAMPLES + 20);
  return withRuntime(
    serverUri,
    emulator,
    { webhooks: false, pollIntervalMs: POLL_INTERVAL_MS },
    async (rt, requests, connection) => {
      const connectorId = await activate(rt.url, tenant);
      return endToEnd(
        emulator,
        connection,
        tenant,
        connectorId,
        requests,
        SyncTrigger.POLL,
        POLL_INTERVAL_MS * 4,
      );
    },
  );
}

/**
 * `IDLE_CONNECTORS` connectors in sync with Entra, ten per tenant (the engine limits Graph
 * concurrency per tenant, as Graph throttles per tenant): how many of them one instance checks
 * within a minute. Each is seeded CONNECTED with delta links taken "from now" (what a first
 * sync leaves), so every poll in the window is an idle one: a delta probe (two Graph requests,
 * src/sync/run/delta-probe.ts) that finds nothing. Counted: connectors whose probe completed in
 * the window, plus POLL runs that finished in it (there should be none).
 */
async function benchIdle(serverUri: string, emulator: RunningEmulator) {
  const tenants = Array.from({ length: Math.ceil(IDLE_CONNECTORS / 10) }, () =>
    seedTenant(emulator, 3, 1),
  );
  return withRuntime(
    serverUri,
    emulator,
    { webhooks: false, pollIntervalMs: 60_000 },
    async (rt, requests, connection, polls) => {
      const { Company, Connector } = rt.infra.models;
      const box = new SecretBox(rt.config.encryption.keys);
      // The delta state first: the poll starts on the connectors the moment they exist.
      const ids = Array.from({ length: IDLE_CONNECTORS }, () => new Types.ObjectId());
      await seedDeltaStates(
        rt,
        connection,
        tenants,
        ids.map((id) => id.toHexString()),
      );
      await insertActiveConnectors({ Company, Connector, box, tenants, count: ids.length, ids });
      // The first tick covers one slice only; measure a whole interval once ticks are steady.
      await sleep(IDLE_WARMUP_MS);
      const start = Date.now();
      await sleep(IDLE_WINDOW_MS);
      const end = Date.now();
      const inWindow = polls.filter((p) => p.at >= start && p.at < end);
      const idle = new Set(inWindow.filter((p) => p.kind === 'idle').map((p) => p.connectorId));
      const runs = connection.db!.collection('sync_runs');
      const finished = await runs.distinct('connectorId', {
        trigger: SyncTrigger.POLL,
        finishedAt: { $gte: new Date(start), $lt: new Date(end) },
        status: 'SUCCEEDED',
      });
      const requested = new Set(
        requests
          .filter((r) => r.trigger === SyncTrigger.POLL && r.at >= start && r.at < end)
          .map((r) => r.connectorId),
      );
      const failed = await runs.countDocuments({ status: 'FAILED' });
      const failure = await runs.findOne({ status: 'FAILED' }, { projection: { error: 1 } });
      return {
        connectors: IDLE_CONNECTORS,
        windowMs: IDLE_WINDOW_MS,
        polled: new Set([...idle, ...finished.map(String)]).size,
        idleChecks: idle.size,
        pollGapsMs: pollGaps(polls),
        recorded: inWindow.filter((p) => p.recorded).length,
        runsRequested: requested.size,
        runReasons: countBy(inWindow.filter((p) => p.reason).map((p) => p.reason!.slice(0, 120))),
        failedRuns: failed,
        firstFailure: (failure?.['error'] as unknown) ?? null,
      };
    },
  );
}

/**
 * Time between consecutive polls of the same connector (every poll logged, warm-up included).
 * An instance that keeps up polls each connector about once per interval; one that cannot
 * shows gaps growing past it. Each tick dispatches the offsets since the previous one, so a gap
 * varies by up to a tick either way.
 */
function pollGaps(polls: PollLog[]): number[] {
  const times = new Map<string, number[]>();
  for (const poll of polls)
    times.set(poll.connectorId, [...(times.get(poll.connectorId) ?? []), poll.at]);
  return [...times.values()].flatMap((at) => at.slice(1).map((t, i) => t - at[i]!));
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** What a first sync leaves behind: delta links "from now" per tenant, stored per connector. */
async function seedDeltaStates(
  rt: HubRuntime,
  connection: Connection,
  tenants: Tenant[],
  connectorIds: string[],
): Promise<void> {
  const gate = new TenantGate(4);
  const retry = { maxAttempts: 3, baseDelayMs: 100, maxRetryAfterMs: 10_000 };
  const links = await Promise.all(
    tenants.map((tenant) =>
      new DeltaReader(
        connectorGraph(
          { entra: rt.infra.entra, gate, retry },
          tenant,
          { requests: 0, resourceUnits: 0, throttled: 0 },
          logger,
        ),
      ).latestLinks([tenant.syncGroupId]),
    ),
  );
  const now = new Date();
  await connection.db!.collection('sync_states').insertMany(
    connectorIds.map((id, i) => {
      const tenant = tenants[Math.floor(i / 10)]!;
      const key = scopeKey({
        syncGroupId: tenant.syncGroupId,
        syncedGroupIds: [],
        rules: DEFAULT_SYNC_RULES,
      } as unknown as ConnectorSyncConfig);
      return {
        _id: id as never,
        scopeKey: key,
        usersDeltaLink: links[Math.floor(i / 10)]!.users,
        groupsDeltaLink: links[Math.floor(i / 10)]!.groups,
        lastFullSyncAt: now,
        // As a first sync leaves it: checked just now, so idle polls write nothing for a while.
        checkedAt: now,
        groups: [],
        updatedAt: now,
      };
    }),
  );
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const emulator = await startEmulator({ allowHttpNotificationUrls: true });
try {
  const webhookRuns = [];
  const pollRuns = [];
  const idleRuns = [];
  for (let run = 0; run < RUNS; run++) {
    if (PARTS.has('ack') || PARTS.has('e2e')) {
      const webhooks = await benchWebhooks(handle.uri, emulator);
      webhookRuns.push(webhooks);
      console.log(
        `run ${run + 1}: ack median ${round(median(webhooks.ack))} ms, p99 ${round(percentile(webhooks.ack, 99))} ms, max ${round(Math.max(...webhooks.ack))} ms, ${webhooks.ack.unavailable} answered 503; first second p99 ${round(percentile(webhooks.firstSecond, 99))} ms, max ${round(Math.max(...webhooks.firstSecond))} ms`,
      );
    }
    if (PARTS.has('e2e')) pollRuns.push(await benchPoll(handle.uri, emulator));
    if (PARTS.has('idle') && run < IDLE_RUNS) idleRuns.push(await benchIdle(handle.uri, emulator));
  }
  const stat = (runs: number[][], p: number) => round(median(runs.map((r) => percentile(r, p))));
  const part = (runs: Latency[][], key: keyof Latency) => runs.map((r) => r.map((l) => l[key]));
  const validations = webhookRuns.map((r) => r.validation);
  const acks = webhookRuns.map((r) => r.ack);
  const firstSeconds = webhookRuns.map((r) => r.firstSecond);
  const webhookE2e = webhookRuns.map((r) => r.e2e);
  const pollGaps = idleRuns.map((r) => r.pollGapsMs);
  const figures = {
    database: handle.provider,
    runs: RUNS,
    // The dev machine is shared: what else ran matters as much as the figures.
    machine: { cpus: cpus().length, loadAverage1m: round(loadavg()[0]!, 2) },
    syncEngine: 'src/sync (the runtime default, src/runtime/engine.ts)',
    validation: {
      ratePerSecond: RATE,
      medianMs: stat(validations, 50),
      p99Ms: stat(validations, 99),
    },
    notificationAck: {
      ratePerSecond: RATE,
      notificationsPerRun: RATE * ACK_SECONDS,
      /** The figures below leave out the stream's first second, reported in `firstSecond`. */
      measuredFromMs: 1_000,
      medianMs: stat(acks, 50),
      p99Ms: stat(acks, 99),
      answered503: median(webhookRuns.map((r) => r.ack.unavailable)),
      firstSecond: {
        medianMs: stat(firstSeconds, 50),
        p99Ms: stat(firstSeconds, 99),
        maxMs: stat(firstSeconds, 100),
      },
    },
    endToEnd: {
      samplesPerRun: SAMPLES,
      emulatorNotificationBatchWindowMs: 100,
      webhook: {
        appliedMedianMs: stat(part(webhookE2e, 'applied'), 50),
        appliedP95Ms: stat(part(webhookE2e, 'applied'), 95),
        requestedMedianMs: stat(part(webhookE2e, 'requested'), 50),
      },
      poll: {
        pollIntervalMs: POLL_INTERVAL_MS,
        appliedMedianMs: stat(part(pollRuns, 'applied'), 50),
        appliedP95Ms: stat(part(pollRuns, 'applied'), 95),
        requestedMedianMs: stat(part(pollRuns, 'requested'), 50),
      },
    },
    idlePoll: {
      connectors: IDLE_CONNECTORS,
      windowMs: IDLE_WINDOW_MS,
      polledWithinWindow: median(idleRuns.map((r) => r.polled)),
      idleChecksWithinWindow: median(idleRuns.map((r) => r.idleChecks)),
      /** Between consecutive polls of one connector: a backlog would show gaps past 60 s. */
      pollGapMs: {
        min: round(median(idleRuns.map((r) => Math.min(...r.pollGapsMs)))),
        median: stat(pollGaps, 50),
        p99: stat(pollGaps, 99),
        max: stat(pollGaps, 100),
      },
      checksRecordedWithinWindow: median(idleRuns.map((r) => r.recorded)),
      runsRequestedWithinWindow: median(idleRuns.map((r) => r.runsRequested)),
      failedRuns: idleRuns.length > 0 ? Math.max(...idleRuns.map((r) => r.failedRuns)) : null,
      runReasons: idleRuns.at(-1)?.runReasons ?? {},
      firstFailure: idleRuns.find((r) => r.firstFailure)?.firstFailure ?? null,
    },
  };
  const ran = (rowParts: string[]) => rowParts.some((p) => PARTS.has(p));
  const allRows: [string, string, string[]][] = [
    ['database', `${figures.database} (${RUNS} runs, medians)`, []],
    [
      'machine',
      `${figures.machine.cpus} CPUs, load average ${figures.machine.loadAverage1m} at the end`,
      [],
    ],
    ['sync engine', figures.syncEngine, []],
    [
      `validation @${RATE}/s`,
      `median ${figures.validation.medianMs} ms, p99 ${figures.validation.p99Ms} ms`,
      ['ack', 'e2e'],
    ],
    [
      `notification ack @${RATE}/s`,
      `median ${figures.notificationAck.medianMs} ms, p99 ${figures.notificationAck.p99Ms} ms, ${figures.notificationAck.answered503} answered 503 (seconds 2-${ACK_SECONDS}; first second: median ${figures.notificationAck.firstSecond.medianMs} ms, p99 ${figures.notificationAck.firstSecond.p99Ms} ms)`,
      ['ack', 'e2e'],
    ],
    [
      'change -> directory, webhook',
      `median ${figures.endToEnd.webhook.appliedMedianMs} ms, p95 ${figures.endToEnd.webhook.appliedP95Ms} ms (sync requested: median ${figures.endToEnd.webhook.requestedMedianMs} ms)`,
      ['e2e'],
    ],
    [
      `change -> directory, poll (${POLL_INTERVAL_MS / 1000} s)`,
      `median ${figures.endToEnd.poll.appliedMedianMs} ms, p95 ${figures.endToEnd.poll.appliedP95Ms} ms (sync requested: median ${figures.endToEnd.poll.requestedMedianMs} ms)`,
      ['e2e'],
    ],
    [
      'idle connectors polled / minute',
      `${figures.idlePoll.polledWithinWindow} of ${IDLE_CONNECTORS} checked in ${IDLE_WINDOW_MS / 1000} s (${figures.idlePoll.idleChecksWithinWindow} idle delta probes, ${figures.idlePoll.runsRequestedWithinWindow} runs requested, ${figures.idlePoll.failedRuns} failed runs; gap between a connector's polls ${figures.idlePoll.pollGapMs.min}-${figures.idlePoll.pollGapMs.max} ms, median ${figures.idlePoll.pollGapMs.median} ms)`,
      ['idle'],
    ],
  ];
  // Rows of the parts that ran (BENCH_PARTS); the others would only show NaN.
  const rows = allRows
    .filter(([, , parts]) => parts.length === 0 || ran(parts))
    .map(([k, v]) => [k, v] as [string, string]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const table = [
    '| figure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  ].join('\n');
  console.log('\nReal-time sync, whole service');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
  if (['ack', 'e2e', 'idle'].every((p) => PARTS.has(p))) {
    const dir = path.join(projectRoot(), 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'realtime.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await writeFile(path.join(dir, 'realtime.md'), `${table}\n`);
  }
} finally {
  await emulator.stop();
  await handle.stop();
}
// Agenda 6 leaves a liveness timer per job run (half the job's lock lifetime, up to minutes)
// that stopping it does not clear: the figures are written, so end here instead of waiting.
process.exit(process.exitCode ?? 0);
