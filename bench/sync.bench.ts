/**
 * `npm run bench:sync`: sync engine figures, printed as a table (each beside the figure before the
 * incremental state and its target) and as JSON (bench/results/sync.json). Never pass/fail:
 * medians over BENCH_RUNS runs (default 3; BENCH_RUNS_100K, default 1, for the 100,000-user sync)
 * on whatever database the tests use (MONGODB_URI, else mongodb-memory-server, else FerretDB).
 * The emulator runs in a child process so the RSS figure is the hub's alone.
 *
 *   1. 10,000 users in the sync group, 200 selected groups: initial full sync, the idle probe
 *      (the one-minute poll when nothing changed), a 100-change delta run;
 *   2. the same 10,000 with the sync group only: initial full sync, a 100-change delta run;
 *   3. 100,000 users in the sync group: full sync time and this process's peak RSS (under the
 *      V8 heap limit the process runs with: `npm run bench:sync` sets the image's).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadProvisionConfig } from '../src/config.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { SyncTrigger } from '../src/domain/connector.js';
import {
  EmulatorChild,
  heapLimitMb,
  median,
  peakRss,
  startSyncStack,
} from './support/sync-stack.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const RUNS_100K = Number(process.env['BENCH_RUNS_100K'] ?? 1);
const USERS_10K = Number(process.env['BENCH_USERS_SMALL'] ?? 10_000);
const USERS_100K = Number(process.env['BENCH_USERS_LARGE'] ?? 100_000);
const progress = (line: string) => process.stderr.write(`[bench:sync] ${line}\n`);
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' }, pino.destination(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const round = (n: number) => Math.round(n);

/** The figures before the incremental directory state (issue "Sync cost proportional to change"). */
const BEFORE = {
  groups200: { initialMs: 5_600, idleProbeMs: 680, hundredChangeMs: 9_800 },
  syncGroupOnly: { initialMs: 2_500, hundredChangeMs: 2_200 },
  large: { fullMs: 40_800, peakRssMb: 468 },
};
const TARGETS = {
  groups200: { initialMs: 3_000, idleProbeMs: 30, hundredChangeMs: 300 },
  syncGroupOnly: { initialMs: 1_500, hundredChangeMs: 150 },
  large: { fullMs: 20_000, peakRssMb: 256 },
};

async function bench10k(serverUri: string, emulator: EmulatorChild, selectedGroups: number) {
  const tenant = await emulator.seed(12_000, 200, USERS_10K);
  const stack = await startSyncStack(
    serverUri,
    tenant,
    tenant.groupIds.slice(0, selectedGroups),
    logger,
  );
  try {
    const initial = await stack.timedRun(SyncTrigger.INITIAL);
    progress(`${selectedGroups} groups: initial ${round(initial.ms)} ms; idle probe`);
    const before = await emulator.graphRequests();
    const probe = await stack.timedProbe();
    const probeRequests = (await emulator.graphRequests()) - before;
    await emulator.mutate(tenant, 100);
    const changed = await stack.timedRun(SyncTrigger.POLL);
    progress(`${selectedGroups} groups: 100-change ${round(changed.ms)} ms`);
    return {
      initialMs: initial.ms,
      initialGraphRequests: initial.run.graphRequests,
      usersCreated: initial.run.counts.usersCreated,
      groupsCreated: initial.run.counts.groupsCreated,
      idleProbeMs: probe.ms,
      idleProbeKind: probe.kind,
      idleProbeGraphRequests: probeRequests,
      changeMs: changed.ms,
      changeMode: changed.run.mode,
      changeGraphRequests: changed.run.graphRequests,
      changeCounts: changed.run.counts,
    };
  } finally {
    await stack.close();
  }
}

async function bench100k(serverUri: string, emulator: EmulatorChild) {
  const tenant = await emulator.seed(USERS_100K, 10, USERS_100K);
  progress(`full sync of ${USERS_100K} users`);
  const stack = await startSyncStack(serverUri, tenant, [], logger);
  try {
    const { result, peakMb } = await peakRss(() => stack.timedRun(SyncTrigger.INITIAL));
    return {
      fullMs: result.ms,
      usersCreated: result.run.counts.usersCreated,
      graphRequests: result.run.graphRequests,
      peakRssMb: peakMb,
    };
  } finally {
    await stack.close();
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const emulator = await EmulatorChild.start();
try {
  const groups = [];
  const only = [];
  for (let i = 0; i < RUNS; i++) {
    groups.push(await bench10k(handle.uri, emulator, 200));
    only.push(await bench10k(handle.uri, emulator, 0));
  }
  const large = [];
  for (let i = 0; i < RUNS_100K; i++) large.push(await bench100k(handle.uri, emulator));
  const figures = {
    database: handle.provider,
    runs: RUNS,
    runs100k: RUNS_100K,
    groups200: {
      users: USERS_10K,
      selectedGroups: 200,
      initialFullSyncMs: round(median(groups.map((r) => r.initialMs))),
      initialGraphRequests: median(groups.map((r) => r.initialGraphRequests)),
      usersCreated: median(groups.map((r) => r.usersCreated)),
      groupsCreated: median(groups.map((r) => r.groupsCreated)),
      idleProbeMs: round(median(groups.map((r) => r.idleProbeMs))),
      idleProbeGraphRequests: median(groups.map((r) => r.idleProbeGraphRequests)),
      idleProbeKind: groups[0]?.idleProbeKind,
      hundredChangeDeltaMs: round(median(groups.map((r) => r.changeMs))),
      hundredChangeGraphRequests: median(groups.map((r) => r.changeGraphRequests)),
      hundredChangeMode: groups[0]?.changeMode,
      hundredChangeCounts: groups[0]?.changeCounts,
    },
    syncGroupOnly: {
      users: USERS_10K,
      initialFullSyncMs: round(median(only.map((r) => r.initialMs))),
      initialGraphRequests: median(only.map((r) => r.initialGraphRequests)),
      hundredChangeDeltaMs: round(median(only.map((r) => r.changeMs))),
      hundredChangeGraphRequests: median(only.map((r) => r.changeGraphRequests)),
      hundredChangeMode: only[0]?.changeMode,
    },
    syncGroup100k: {
      users: USERS_100K,
      fullSyncMs: round(median(large.map((r) => r.fullMs))),
      usersCreated: median(large.map((r) => r.usersCreated)),
      graphRequests: median(large.map((r) => r.graphRequests)),
      peakRssMb: round(median(large.map((r) => r.peakRssMb))),
      heapLimitMb: heapLimitMb(),
    },
  };
  const g = figures.groups200;
  const o = figures.syncGroupOnly;
  const l = figures.syncGroup100k;
  const row = (label: string, now: number, before: number, target: number, unit = 'ms') =>
    [label, `${now} ${unit} (before ${before} ${unit}; target <= ${target} ${unit})`] as const;
  const rows: (readonly [string, string])[] = [
    ['database', `${figures.database} (${RUNS} runs, ${RUNS_100K} for 100k; medians)`],
    row(
      '10k + 200 groups: initial full sync',
      g.initialFullSyncMs,
      BEFORE.groups200.initialMs,
      TARGETS.groups200.initialMs,
    ),
    row(
      '10k + 200 groups: idle probe',
      g.idleProbeMs,
      BEFORE.groups200.idleProbeMs,
      TARGETS.groups200.idleProbeMs,
    ),
    [
      '10k + 200 groups: idle probe Graph requests',
      `${g.idleProbeGraphRequests} (${g.idleProbeKind})`,
    ],
    row(
      '10k + 200 groups: 100-change run',
      g.hundredChangeDeltaMs,
      BEFORE.groups200.hundredChangeMs,
      TARGETS.groups200.hundredChangeMs,
    ),
    row(
      '10k sync group only: initial full sync',
      o.initialFullSyncMs,
      BEFORE.syncGroupOnly.initialMs,
      TARGETS.syncGroupOnly.initialMs,
    ),
    row(
      '10k sync group only: 100-change run',
      o.hundredChangeDeltaMs,
      BEFORE.syncGroupOnly.hundredChangeMs,
      TARGETS.syncGroupOnly.hundredChangeMs,
    ),
    row(`${l.users / 1000}k full sync`, l.fullSyncMs, BEFORE.large.fullMs, TARGETS.large.fullMs),
    row(
      `${l.users / 1000}k peak RSS (hub process, heap limit ${l.heapLimitMb} MB)`,
      l.peakRssMb,
      BEFORE.large.peakRssMb,
      TARGETS.large.peakRssMb,
      'MB',
    ),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nSync engine benchmark');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
  const out = path.join(here, '..', '..', 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'sync.json'), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await emulator.stop();
  await handle.stop();
}
