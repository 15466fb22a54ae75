/**
 * `node dist/bench/naive-vs-delta.bench.js` (part of `npm run bench`): the polling competitors'
 * approach against ours, on the same emulated tenant (10,000 users in the sync group, 200
 * selected groups, the sizes issue 5 names), counting Graph requests and time per cycle. Never pass/fail.
 *
 * - naive: every cycle lists every member of the sync group and of each selected group through
 *   Graph (`$select`, `$top=999`, all pages), as a polling directory connector does. Measured at
 *   the Graph client alone, with no database writes: the naive side's best case.
 * - ours: a real hub process (`node dist/src/main.js`, polling only) with the connector activated;
 *   after its initial full sync, `synchronizeNow` runs an idle delta sync, then one after 100
 *   changes in Entra. Requests and duration come from the run's own record (sync_runs).
 *
 * Ratios are naive / ours. Env: BENCH_RUNS (default 5), BENCH_USERS (10000), BENCH_GROUPS (200).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { SignJWT } from 'jose';
import mongoose, { type Connection } from 'mongoose';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadProvisionConfig, projectRoot } from '../src/config.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const USERS = Number(process.env['BENCH_USERS'] ?? 10_000);
// Issue 5's size: 200 selected groups (the API accepts up to 250).
const GROUPS = Number(process.env['BENCH_GROUPS'] ?? 200);
const CHANGES = 100;
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number, d = 2) => Number(n.toFixed(d));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Tenant {
  tenantId: string;
  clientId: string;
  secret: string;
  syncGroupId: string;
  groupIds: string[];
  userIds: string[];
}

function seed(emulator: RunningEmulator): Tenant {
  const c = emulator.control;
  const tenant = c.createTenant();
  const app = c.createApp({ displayName: 'naive-vs-delta bench' });
  const secret = c.addSecret(app.clientId).secretText;
  c.grantConsent(tenant.id, app.clientId);
  const generated = c.generateTenant(tenant.id, {
    users: USERS,
    // Generated groups are a mix of security and Microsoft 365 groups: only security groups
    // can be selected, so generate enough to pick GROUPS of them.
    groups: GROUPS * 3,
    syncGroupMembers: USERS,
    membershipsPerUser: 3,
  });
  return {
    tenantId: tenant.id,
    clientId: app.clientId,
    secret,
    syncGroupId: generated.syncGroupId,
    groupIds: generated.groupIds
      .filter((id) => c.getGroup(tenant.id, id).securityEnabled)
      .slice(0, GROUPS),
    userIds: generated.userIds,
  };
}

/** The competitor's cycle: list every member of every group it syncs, every time. */
async function naiveCycle(emulator: RunningEmulator, agent: Agent, t: Tenant) {
  const token = await graphToken(emulator, agent, t);
  let requests = 0;
  let throttled = 0;
  let users = 0;
  const started = performance.now();
  for (const groupId of [t.syncGroupId, ...t.groupIds]) {
    let url: string | undefined =
      `${emulator.graphBaseUrl}/v1.0/groups/${groupId}/members?$select=id,displayName,mail,userPrincipalName,accountEnabled,userType&$top=999`;
    while (url) {
      requests++;
      const response = await undiciFetch(url, {
        headers: { authorization: `Bearer ${token}` },
        dispatcher: agent,
      });
      if (response.status === 429) {
        throttled++;
        await response.arrayBuffer();
        await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
        continue;
      }
      if (response.status !== 200) throw new Error(`naive listing: ${response.status}`);
      const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
      if (groupId === t.syncGroupId) users += page.value.length;
      url = page['@odata.nextLink'];
    }
  }
  return { requests, throttled, users, ms: performance.now() - started };
}

async function graphToken(emulator: RunningEmulator, agent: Agent, t: Tenant): Promise<string> {
  const response = await undiciFetch(`${emulator.authorityHost}/${t.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: t.clientId,
      client_secret: t.secret,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
    dispatcher: agent,
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

interface Hub {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startHub(emulator: RunningEmulator, mongoUri: string): Promise<Hub> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(projectRoot(), 'dist', 'src', 'main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MONGODB_URI: mongoUri,
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      AUTH_JWT_SECRET: JWT_SECRET,
      ENTRA_AUTHORITY_HOST: emulator.authorityHost,
      GRAPH_BASE_URL: emulator.graphBaseUrl,
      ENTRA_CA_FILE: await emulator.writeCaFile(),
      // Polling only, and no poll inside the measurement: runs come from synchronizeNow.
      SYNC_POLL_INTERVAL_MS: '3600000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on(
    'data',
    (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited: ${stderr}`);
    const ok = await fetch(`${url}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('hub not ready within 60 s');
    await sleep(100);
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function gql<T>(hub: Hub, jwt: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

interface RunRecord {
  _id: unknown;
  status: string;
  mode: string;
  trigger: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  graphRequests: number;
  counts?: Record<string, number>;
}

async function finishedRun(db: Connection, connectorId: string, runId: string | null) {
  const runs = db.collection<RunRecord>('sync_runs');
  const started = Date.now();
  const deadline = started + 300_000;
  for (;;) {
    const run = runId
      ? await runs.findOne({ _id: new mongoose.Types.ObjectId(runId) } as never)
      : await runs.findOne({ connectorId } as never, { sort: { requestedAt: 1 } });
    if (
      run &&
      ['SUCCEEDED', 'PARTIAL', 'NEEDS_APPROVAL', 'FAILED', 'CANCELLED'].includes(run.status)
    ) {
      if (run.status !== 'SUCCEEDED') throw new Error(`run ${String(run._id)} ended ${run.status}`);
      return {
        mode: run.mode,
        ms: run.finishedAt!.getTime() - run.startedAt!.getTime(),
        graphRequests: run.graphRequests,
      };
    }
    // No run recorded at all: no sync engine behind the API; say so quickly.
    if (!run && Date.now() - started > 30_000) throw new Error('no sync run was recorded');
    if (Date.now() > deadline) throw new Error(`run did not finish: ${run?.status ?? 'none'}`);
    await sleep(50);
  }
}

async function ours(emulator: RunningEmulator, t: Tenant, serverUri: string) {
  const mongoUri = withDatabase(serverUri, `bench_nvd_${randomBytes(4).toString('hex')}`);
  const db = await mongoose.createConnection(mongoUri).asPromise();
  const hub = await startHub(emulator, mongoUri);
  try {
    const jwt = await new SignJWT({ role: 'PARTNER_ADMIN', partnerId: 'bench' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setIssuer('entra-connector-hub')
      .setAudience('entra-connector-hub')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const { createCompany } = await gql<{ createCompany: { id: string } }>(
      hub,
      jwt,
      'mutation{ createCompany(input:{name:"Bench"}) { id } }',
      {},
    );
    const { installConnector } = await gql<{ installConnector: { connector: { id: string } } }>(
      hub,
      jwt,
      'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { connector { id } } }',
      { c: createCompany.id },
    );
    const id = installConnector.connector.id;
    await gql(
      hub,
      jwt,
      'mutation($i:SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
      {
        i: { connectorId: id, tenantId: t.tenantId, clientId: t.clientId, clientSecret: t.secret },
      },
    );
    await gql(hub, jwt, 'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }', {
      id,
    });
    await gql(
      hub,
      jwt,
      'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
      {
        id,
        g: t.syncGroupId,
      },
    );
    await gql(
      hub,
      jwt,
      'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
      {
        id,
        g: t.groupIds,
      },
    );
    const initialStarted = performance.now();
    await gql(hub, jwt, 'mutation($id:ID!){ activateConnector(connectorId:$id) { id } }', { id });
    const initial = await finishedRun(db, id, null);
    const initialWallMs = performance.now() - initialStarted;

    const syncNow = async () => {
      const { synchronizeNow } = await gql<{ synchronizeNow: { runId: string } }>(
        hub,
        jwt,
        'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
        { id },
      );
      return finishedRun(db, id, synchronizeNow.runId);
    };
    const idle: Awaited<ReturnType<typeof syncNow>>[] = [];
    const changed: Awaited<ReturnType<typeof syncNow>>[] = [];
    for (let run = 0; run < RUNS; run++) {
      idle.push(await syncNow());
      for (let i = 0; i < CHANGES; i++) {
        const userId = t.userIds[(run * CHANGES + i) % t.userIds.length]!;
        emulator.control.updateUser(t.tenantId, userId, { displayName: `Bench user ${run}-${i}` });
      }
      changed.push(await syncNow());
    }
    return { initial, initialWallMs, idle, changed };
  } finally {
    await hub.stop();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const emulator = await startEmulator({});
const agent = new Agent({ connect: { ca: emulator.caCertPem }, keepAliveTimeout: 30_000 });
try {
  const tenant = seed(emulator);
  const naive = [];
  for (let run = 0; run < RUNS; run++) naive.push(await naiveCycle(emulator, agent, tenant));
  let ourFigures: Awaited<ReturnType<typeof ours>> | null = null;
  let oursError: string | null = null;
  try {
    ourFigures = await ours(emulator, tenant, handle.uri);
  } catch (error) {
    oursError = error instanceof Error ? error.message : String(error);
  }
  const naiveRequests = median(naive.map((n) => n.requests));
  const naiveMs = median(naive.map((n) => n.ms));
  const idleRequests = ourFigures ? median(ourFigures.idle.map((r) => r.graphRequests)) : null;
  const idleMs = ourFigures ? median(ourFigures.idle.map((r) => r.ms)) : null;
  const changeRequests = ourFigures ? median(ourFigures.changed.map((r) => r.graphRequests)) : null;
  const changeMs = ourFigures ? median(ourFigures.changed.map((r) => r.ms)) : null;
  const ratio = (a: number, b: number | null) => (b === null ? null : round(a / Math.max(b, 1)));
  const figures = {
    benchmark: 'naive-vs-delta',
    runs: RUNS,
    database: handle.provider,
    tenant: { users: USERS, selectedGroups: GROUPS, changes: CHANGES },
    naive: {
      requestsPerCycle: naiveRequests,
      cycleMs: round(naiveMs, 0),
      usersListed: naive[0]!.users,
      throttled: Math.max(...naive.map((n) => n.throttled)),
    },
    ours: {
      initialFullSyncMs: ourFigures ? round(ourFigures.initial.ms, 0) : null,
      initialFullSyncGraphRequests: ourFigures?.initial.graphRequests ?? null,
      idleDeltaGraphRequests: idleRequests,
      idleDeltaMs: idleMs === null ? null : round(idleMs, 0),
      changeDeltaGraphRequests: changeRequests,
      changeDeltaMs: changeMs === null ? null : round(changeMs, 0),
      error: oursError,
    },
    ratio: {
      idleRequests: ratio(naiveRequests, idleRequests),
      idleTime: ratio(naiveMs, idleMs),
      changeRequests: ratio(naiveRequests, changeRequests),
      changeTime: ratio(naiveMs, changeMs),
    },
  };
  const rows: [string, string][] = [
    ['tenant', `${USERS.toLocaleString('en')} users in the sync group, ${GROUPS} selected groups`],
    ['naive cycle (list everything)', `${naiveRequests} requests, ${Math.round(naiveMs)} ms`],
    [
      'ours: idle delta sync',
      idleRequests === null
        ? `not measured (${oursError})`
        : `${idleRequests} requests, ${idleMs} ms`,
    ],
    [
      `ours: ${CHANGES}-change delta sync`,
      changeRequests === null ? 'not measured' : `${changeRequests} requests, ${changeMs} ms`,
    ],
    [
      'naive / ours (idle)',
      `${figures.ratio.idleRequests ?? '-'}x requests, ${figures.ratio.idleTime ?? '-'}x time`,
    ],
    [
      `naive / ours (${CHANGES} changes)`,
      `${figures.ratio.changeRequests ?? '-'}x requests, ${figures.ratio.changeTime ?? '-'}x time`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nNaive full listing vs our delta path (median of ${RUNS} runs)`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(JSON.stringify(figures));
  const results = path.join(projectRoot(), 'bench', 'results');
  await mkdir(results, { recursive: true });
  await writeFile(
    path.join(results, 'naive-vs-delta.json'),
    `${JSON.stringify({ ...figures, allRuns: { naive, ours: ourFigures } }, null, 2)}\n`,
  );
} finally {
  await agent.close();
  await emulator.stop();
  await handle.stop();
}
