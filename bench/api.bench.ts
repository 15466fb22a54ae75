/**
 * `npm run build && node dist/bench/api.bench.js`: figures for the connector lifecycle API,
 * printed as a table and as JSON. Never pass/fail: medians over BENCH_RUNS runs (default 3) on
 * whatever database the tests use (MONGODB_URI, else mongodb-memory-server, else FerretDB), with
 * the real hub (HTTP + graphql-ws) and the real MSAL + Graph SDK against the emulator.
 *
 *   1. `connector(id)` over HTTP, sequential (median, p95);
 *   2. `connectors` for a partner with 200 connectors across 200 companies;
 *   3. `verifyConnection`: a fresh MSAL token and two Graph probes;
 *   4. `entraGroups` first page (25) and a search;
 *   5. status change -> `connectorStatusChanged` event on a WebSocket subscriber.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { loadConfig, loadProvisionConfig } from '../src/config.js';
import { ConnectorStatus, ConnectorStatusReasonCode } from '../src/domain/connector.js';
import { ErrorCode } from '../src/domain/errors.js';
import { startEmulator } from '../src/emulator/index.js';
import { InMemoryLiveEvents } from '../src/events/live-events.js';
import { buildApi, listenApi } from '../src/runtime/api.js';
import { buildEngine, enginePorts } from '../src/runtime/engine.js';
import { buildInfrastructure } from '../src/runtime/infrastructure.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SECRET = randomBytes(32).toString('base64url');
const logger = pino({ level: 'silent' });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const median = (values: number[]) => percentile(values, 50);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function timed(times: number, work: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await work(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function benchRun(serverUri: string) {
  const emulator = await startEmulator({});
  const connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_api_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: SECRET,
    // The bench measures the API itself: one caller sends far more than a minute's budget.
    RATE_LIMIT_CALLER_PER_MINUTE: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    LOG_LEVEL: 'silent',
    ENTRA_AUTHORITY_HOST: emulator.authorityHost,
    GRAPH_BASE_URL: emulator.graphBaseUrl,
    ENTRA_CA_FILE: await emulator.writeCaFile(),
  });
  const upkeep = { subscriptionsNeedAttention: () => Promise.resolve() };
  const infra = await buildInfrastructure({
    config,
    connection,
    logger,
    live: new InMemoryLiveEvents(),
    upkeep,
  });
  const engine = await buildEngine(infra);
  // The API alone: sync requests answer at once and nothing runs.
  const api = await buildApi(
    infra,
    {
      ...enginePorts(engine),
      syncRequester: { requestSync: () => Promise.resolve({ runId: randomUUID() }) },
      directoryReleaser: { releaseConnectorUsers: () => Promise.resolve({ released: 0 }) },
    },
    upkeep,
  );
  const server = await listenApi(infra, api, { port: 0 });
  const jwt = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
  const gql = async <T>(auth: string, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };

  try {
    const control = emulator.control;
    const tenant = control.createTenant({});
    const app = control.createApp({});
    const secret = control.addSecret(app.clientId);
    control.grantConsent(tenant.id, app.clientId);
    const generated = control.generateTenant(tenant.id, {
      users: 200,
      groups: 120,
      syncGroupMembers: 50,
    });

    const partner = await jwt({ role: 'PARTNER_ADMIN', partnerId: 'bench-partner' });
    let first: { id: string; companyId: string } | null = null;
    for (let i = 0; i < 200; i++) {
      const { createCompany } = await gql<{ createCompany: { id: string } }>(
        partner,
        'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
        { n: `Company ${i}` },
      );
      const { installConnector } = await gql<{ installConnector: { connector: { id: string } } }>(
        partner,
        'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { connector { id } } }',
        { c: createCompany.id },
      );
      first ??= { id: installConnector.connector.id, companyId: createCompany.id };
    }
    const target = first!;
    const admin = await jwt({ role: 'COMPANY_ADMIN', companyId: target.companyId });
    await gql(
      admin,
      'mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
      {
        i: {
          connectorId: target.id,
          tenantId: tenant.id,
          clientId: app.clientId,
          clientSecret: secret.secretText,
        },
      },
    );

    const connectorQuery = await timed(200, () =>
      gql(
        admin,
        'query($id:ID!){ connector(id:$id) { id status clientSecretHint syncRules { userAdded } } }',
        {
          id: target.id,
        },
      ).then(() => undefined),
    );
    const listQuery = await timed(20, () =>
      gql(
        partner,
        '{ connectors(first: 200) { nodes { id companyId status secretExpiresInDays } } }',
      ).then(() => undefined),
    );
    const verify = await timed(20, () =>
      gql<{ verifyConnection: { verified: boolean } }>(
        admin,
        'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }',
        { id: target.id },
      ).then((d) => {
        if (!d.verifyConnection.verified) throw new Error('not verified');
      }),
    );
    const groups = await timed(30, () =>
      gql(
        admin,
        'query($id:ID!){ entraGroups(connectorId:$id, first:25) { edges { node { id } } } }',
        {
          id: target.id,
        },
      ).then(() => undefined),
    );
    const search = await timed(30, () =>
      gql(
        admin,
        'query($id:ID!){ entraGroups(connectorId:$id, search:"group", first:25) { edges { node { id } } } }',
        {
          id: target.id,
        },
      ).then(() => undefined),
    );

    // Status events: activate, then alternate outcomes through the registry.
    await gql(
      admin,
      'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } activateConnector(connectorId:$id) { id } }',
      {
        id: target.id,
        g: generated.syncGroupId,
      },
    );
    const ws = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin}` },
      retryAttempts: 0,
    });
    let onEvent: (() => void) | null = null;
    const stop = ws.subscribe(
      {
        query: `subscription($id:ID){ connectorStatusChanged(connectorId:$id) { status } }`,
        variables: { id: target.id },
      },
      { next: () => onEvent?.(), error: () => undefined, complete: () => undefined },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    let at = Date.now();
    const events = await timed(50, async (i) => {
      const received = new Promise<void>((resolve) => (onEvent = resolve));
      at += 1;
      await infra.registry.recordSyncOutcome(
        target.id,
        i % 2 === 0
          ? { ok: true, at: new Date(at) }
          : {
              ok: false,
              at: new Date(at),
              code: ErrorCode.UPSTREAM_UNAUTHORIZED,
              reasonCode: ConnectorStatusReasonCode.INVALID_SECRET,
              message: 'bench',
              status: ConnectorStatus.UNAUTHORIZED,
            },
      );
      await received;
    });
    stop();
    await Promise.resolve(ws.dispose()).catch(() => undefined);
    return { connectorQuery, listQuery, verify, groups, search, events };
  } finally {
    await server.close();
    await infra.live.close();
    await infra.close();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await emulator.stop();
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
try {
  const runs: Awaited<ReturnType<typeof benchRun>>[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await benchRun(handle.uri));
  const stat = (pick: (r: Awaited<ReturnType<typeof benchRun>>) => number[]) => ({
    medianMs: round(median(runs.map((r) => median(pick(r))))),
    p95Ms: round(median(runs.map((r) => percentile(pick(r), 95)))),
  });
  const figures = {
    database: handle.provider,
    runs: RUNS,
    connectorQuery: stat((r) => r.connectorQuery),
    connectorsList200: stat((r) => r.listQuery),
    verifyConnection: stat((r) => r.verify),
    entraGroupsFirstPage: stat((r) => r.groups),
    entraGroupsSearch: stat((r) => r.search),
    statusChangeToSubscriber: stat((r) => r.events),
  };
  const rows: [string, { medianMs: number; p95Ms: number } | string][] = [
    ['database', `${figures.database} (${RUNS} runs, medians)`],
    ['connector(id) over HTTP', figures.connectorQuery],
    ['connectors (200, partner)', figures.connectorsList200],
    ['verifyConnection (token + 2 probes)', figures.verifyConnection],
    ['entraGroups first page (25)', figures.entraGroupsFirstPage],
    ['entraGroups search', figures.entraGroupsSearch],
    ['status change -> WS subscriber', figures.statusChangeToSubscriber],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nConnector lifecycle API benchmark');
  for (const [k, v] of rows) {
    console.log(
      `  ${k.padEnd(width)}  ${typeof v === 'string' ? v : `median ${v.medianMs} ms, p95 ${v.p95Ms} ms`}`,
    );
  }
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
} finally {
  await handle.stop();
}
