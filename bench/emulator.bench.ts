/**
 * Emulator benchmark: prints a table and one JSON line; never fails on time.
 *   npm run bench:emulator [-- --runs 3 --users 100000 --groups 2000]
 * - tenant generation: 100,000 users, 2,000 groups, ~1,000,000 memberships
 * - users delta pages per second (page of 100, full round, HTTPS keep-alive)
 * - groups delta pages per second (members tracked, chunked)
 * - change notification latency (median, p95) to a local HTTP receiver
 * Medians over several runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Agent, fetch } from 'undici';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '2000' },
    notifications: { type: 'string', default: '300' },
  },
});
const RUNS = Number(values.runs);
const USERS = Number(values.users);
const GROUPS = Number(values.groups);
const NOTIFICATIONS = Number(values.notifications);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Seeded {
  tenantId: string;
  clientId: string;
  secret: string;
  generateMs: number;
  memberships: number;
}

function seed(emulator: RunningEmulator): Seeded {
  const c = emulator.control;
  c.reset();
  gc();
  const tenant = c.createTenant();
  const app = c.createApp();
  const secret = c.addSecret(app.clientId).secretText;
  c.grantConsent(tenant.id, app.clientId);
  const started = performance.now();
  // ~1,000,000 memberships: 100,000 users in 10 groups on average (of 2,000).
  const result = c.generateTenant(tenant.id, {
    users: USERS,
    groups: GROUPS,
    membershipsPerUser: 10,
    syncGroupMembers: 5000,
  });
  return {
    tenantId: tenant.id,
    clientId: app.clientId,
    secret,
    generateMs: performance.now() - started,
    memberships: result.memberships,
  };
}

async function token(emulator: RunningEmulator, agent: Agent, s: Seeded): Promise<string> {
  const response = await fetch(`${emulator.authorityHost}/${s.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: s.clientId,
      client_secret: s.secret,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
    dispatcher: agent,
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A full delta round; raises the throttling budget out of the way by spreading tenants is not needed: delta costs 1 RU. */
async function deltaRound(emulator: RunningEmulator, agent: Agent, bearer: string, first: string) {
  let url: string | undefined = `${emulator.graphBaseUrl}${first}`;
  let pages = 0;
  let items = 0;
  const started = performance.now();
  while (url) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${bearer}` },
      dispatcher: agent,
    });
    if (response.status === 429) {
      // The app+tenant budget (8,000 RU / 10 s) is real: wait as Graph asks.
      await new Promise((resolve) =>
        setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000),
      );
      continue;
    }
    const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    pages++;
    items += page.value.length;
    url = page['@odata.nextLink'];
  }
  const seconds = (performance.now() - started) / 1000;
  return { pages, items, pagesPerSecond: pages / seconds, seconds };
}

async function notificationLatency(
  emulator: RunningEmulator,
  agent: Agent,
  bearer: string,
  s: Seeded,
) {
  const arrivals: number[] = [];
  const receiver = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const validation = url.searchParams.get('validationToken');
      if (validation !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(validation);
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value: unknown[] };
      const now = performance.now();
      for (let i = 0; i < body.value.length; i++) arrivals.push(now);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  await fetch(`${emulator.graphBaseUrl}/v1.0/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      changeType: 'updated',
      notificationUrl: `http://localhost:${port}/hook`,
      resource: '/users',
      expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
      clientState: 'bench',
    }),
    dispatcher: agent,
  });
  const users = emulator.control.listUsers(s.tenantId).slice(0, NOTIFICATIONS);
  const before = emulator.control.counters().notifications.latency.count;
  const changedAt: number[] = [];
  for (const [i, user] of users.entries()) {
    changedAt.push(performance.now());
    emulator.control.updateUser(s.tenantId, user.id, { jobTitle: `bench ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await emulator.control.waitForNotifications();
  receiver.close();
  const latencies = arrivals.map((at, i) => at - changedAt[i]!);
  const counters = emulator.control.counters().notifications.latency;
  return {
    count: latencies.length,
    medianMs: median(latencies),
    p95Ms: percentile(latencies, 0.95),
    emulatorCounted: counters.count - before,
  };
}

async function main() {
  const emulator = await startEmulator({ allowHttpNotificationUrls: true });
  const agent = new Agent({
    connect: { ca: emulator.caCertPem },
    keepAliveTimeout: 30_000,
    connections: 1,
  });
  const runs: Array<Record<string, number>> = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const s = seed(emulator);
      const bearer = await token(emulator, agent, s);
      const users = await deltaRound(
        emulator,
        agent,
        bearer,
        '/v1.0/users/delta?$select=displayName,userPrincipalName,accountEnabled',
      );
      const groups = await deltaRound(
        emulator,
        agent,
        bearer,
        '/v1.0/groups/delta?$select=displayName,members',
      );
      const notifications = await notificationLatency(emulator, agent, bearer, s);
      runs.push({
        generateMs: s.generateMs,
        memberships: s.memberships,
        usersDeltaPages: users.pages,
        usersDeltaPagesPerSecond: users.pagesPerSecond,
        groupsDeltaPages: groups.pages,
        groupsDeltaPagesPerSecond: groups.pagesPerSecond,
        notificationMedianMs: notifications.medianMs,
        notificationP95Ms: notifications.p95Ms,
        notificationsDelivered: notifications.count,
      });
      process.stdout.write(`run ${run + 1}/${RUNS} done\n`);
    }
  } finally {
    await agent.close();
    await emulator.stop();
  }
  const summary = Object.fromEntries(
    Object.keys(runs[0]!).map((key) => [key, median(runs.map((r) => r[key]!))]),
  );
  const rows: Array<[string, string]> = [
    [
      `generate ${USERS.toLocaleString('en')} users, ${GROUPS.toLocaleString('en')} groups`,
      `${Math.round(summary['generateMs']!)} ms (${summary['memberships']!.toLocaleString('en')} memberships)`,
    ],
    [
      'users delta, page of 100 (HTTPS keep-alive)',
      `${Math.round(summary['usersDeltaPagesPerSecond']!)} pages/s (${summary['usersDeltaPages']} pages)`,
    ],
    [
      'groups delta with members (chunks of 500)',
      `${Math.round(summary['groupsDeltaPagesPerSecond']!)} pages/s (${summary['groupsDeltaPages']} pages)`,
    ],
    [
      'notification latency, median',
      `${summary['notificationMedianMs']!.toFixed(1)} ms (batch window 100 ms)`,
    ],
    ['notification latency, p95', `${summary['notificationP95Ms']!.toFixed(1)} ms`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`\nEmulator benchmark (median of ${RUNS} runs)\n`);
  for (const [name, value] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${value}\n`);
  const json = {
    benchmark: 'emulator',
    runs: RUNS,
    users: USERS,
    groups: GROUPS,
    node: process.version,
    ...summary,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  // Runs from dist/bench/: results land in the source tree's bench/results/ (git-ignored).
  const results = new URL('../../bench/results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(
    new URL('emulator.json', results),
    `${JSON.stringify({ ...json, allRuns: runs }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
