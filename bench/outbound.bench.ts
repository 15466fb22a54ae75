/**
 * `npm run bench:outbound`: figures for the outbound webhooks (issue 18), printed as a table and
 * as JSON (last on stdout, and bench/results/outbound.json). Never pass/fail. Each part runs on a
 * fresh database (MONGODB_URI, else mongodb-memory-server, else FerretDB) with the real delivery
 * machinery, the production live-event bus, feed changes committed by the sync engine's writer,
 * and receivers (plain HTTP, answering 204) in a child process. Medians over BENCH_RUNS runs.
 *
 *   latency  one change every 100 ms to one endpoint: commit -> first arrival at the receiver
 *            (median, p95, p99) over BENCH_LATENCY_SECONDS (default 20).
 *   fanout   BENCH_FANOUT_RATE changes/s (default 1,000, in batches of 100) to 10 endpoints for
 *            BENCH_FANOUT_SECONDS (default 30): the backlog every second (does it grow?), the
 *            rate delivered, the time to drain after, commit -> arrival at one endpoint; and
 *            before it, the capacities alone: 10,000 changes written with no delivery running,
 *            then delivered to the 10 endpoints with no writer running.
 *   outage   20 changes/s to one endpoint whose receiver is down (connections refused) for
 *            BENCH_OUTAGE_MINUTES (default 10; fractions allowed), then back: events lost, out
 *            of order per user, duplicates (same webhook-id), and how long it took to catch up.
 *            BENCH_OUTAGE_RUNS runs (default 1). Retries back off up to BENCH_RETRY_MAX_MS
 *            (default 30 s; production's default is 1 h, which only delays the catch-up).
 *
 * BENCH_PARTS=latency,fanout,outage picks parts. Clocks: the parent and the receivers' process
 * both read performance.timeOrigin + performance.now() (the same machine's clock).
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadProvisionConfig, projectRoot } from '../src/config.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { startBenchHub, wallClock, type BenchHub } from './support/outbound-hub.js';

const env = process.env;
const RUNS = Number(env['BENCH_RUNS'] ?? 3);
const PARTS = (env['BENCH_PARTS'] ?? 'latency,fanout,outage').split(',').map((p) => p.trim());
const LATENCY_SECONDS = Number(env['BENCH_LATENCY_SECONDS'] ?? 20);
const FANOUT_RATE = Number(env['BENCH_FANOUT_RATE'] ?? 1_000);
const FANOUT_SECONDS = Number(env['BENCH_FANOUT_SECONDS'] ?? 30);
/** Changes written before the fan-out load, to measure the writer and the delivery alone. */
const PREFILL = 10_000;
const OUTAGE_MINUTES = Number(env['BENCH_OUTAGE_MINUTES'] ?? 10);
const OUTAGE_RUNS = Number(env['BENCH_OUTAGE_RUNS'] ?? 1);
const RETRY_MAX_MS = Number(env['BENCH_RETRY_MAX_MS'] ?? 30_000);

type Figures = Record<string, number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const log = (line: string) => console.log(line);

/** Writes `batch` changes every batch/rate seconds for `seconds`; never skips a late batch. */
async function paced(hub: BenchHub, rate: number, seconds: number, batch: number) {
  const interval = (batch / rate) * 1_000;
  const total = Math.round((rate * seconds) / batch);
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    await sleep(start + i * interval - performance.now());
    await hub.write(batch);
  }
  return (performance.now() - start) / 1_000;
}

/** Until every endpoint got every written change once (or `timeoutMs`); seconds waited. */
async function drained(hub: BenchHub, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const { endpoints } = await hub.receivers.stats();
    if (endpoints.every((e) => e.distinct >= hub.written())) break;
    await sleep(100);
  }
  return (performance.now() - start) / 1_000;
}

/** Commit -> first arrival at endpoint `index`, for the positions `from`..`to`. */
async function latencies(hub: BenchHub, index = 0, from = 1, to = Infinity): Promise<number[]> {
  const { arrivals } = await hub.receivers.stats(index);
  return (arrivals ?? [])
    .filter(([seq]) => seq >= from && seq <= to)
    .map(([seq, at]) => at - hub.committedAt.get(seq)!);
}

function summary(hub: BenchHub, stats: Awaited<ReturnType<BenchHub['receivers']['stats']>>) {
  const sum = (pick: (e: (typeof stats.endpoints)[number]) => number) =>
    stats.endpoints.reduce((total, e) => total + pick(e), 0);
  return {
    lost: sum((e) => Math.max(0, hub.written() - e.distinct)),
    outOfOrder: sum((e) => e.outOfOrder),
    duplicates: sum((e) => e.duplicates),
    duplicatesUnderAnotherId: sum((e) => e.idMismatches),
    verifyFailures: sum((e) => e.verifyFailures),
    verified: sum((e) => e.verified),
  };
}

async function latencyPart(serverUri: string): Promise<Figures> {
  const hub = await startBenchHub({
    serverUri,
    endpoints: 1,
    users: 50,
    verifyEvery: 1,
    retryMaxMs: RETRY_MAX_MS,
  });
  try {
    await paced(hub, 10, LATENCY_SECONDS, 1);
    await drained(hub, 30_000);
    const lat = await latencies(hub);
    return {
      samples: lat.length,
      medianMs: round(percentile(lat, 50)),
      p95Ms: round(percentile(lat, 95)),
      p99Ms: round(percentile(lat, 99)),
      maxMs: round(Math.max(...lat)),
      ...summary(hub, await hub.receivers.stats()),
    };
  } finally {
    await hub.stop();
  }
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

async function fanoutPart(serverUri: string): Promise<Figures> {
  const endpoints = 10;
  const hub = await startBenchHub({
    serverUri,
    endpoints,
    users: 1_000,
    verifyEvery: 50,
    retryMaxMs: RETRY_MAX_MS,
    start: false,
  });
  try {
    // Capacities first: the feed writer alone, then delivery alone on the backlog it left.
    let t0 = performance.now();
    for (let i = 0; i < PREFILL / 100; i += 1) await hub.write(100);
    const writerAlone = PREFILL / ((performance.now() - t0) / 1_000);
    t0 = performance.now();
    hub.start();
    const prefillDrain = await drained(hub, 300_000);
    const deliveryAlone = (PREFILL * endpoints) / prefillDrain;
    log(
      `[fanout] ${PREFILL} changes: written at ${round(writerAlone)}/s alone; ` +
        `${PREFILL * endpoints} deliveries in ${round(prefillDrain)} s`,
    );
    const from = hub.written() + 1;
    const samples: [number, number][] = [];
    let sampling = true;
    const start = performance.now();
    const sampler = (async () => {
      while (sampling) {
        await sleep(1_000 - ((performance.now() - start) % 1_000));
        const { behind, parked } = await hub.backlog();
        samples.push([(performance.now() - start) / 1_000, behind + parked]);
      }
    })();
    const seconds = await paced(hub, FANOUT_RATE, FANOUT_SECONDS, 100);
    const deliveredDuringLoad =
      (await hub.receivers.stats()).endpoints.reduce((s, e) => s + e.distinct, 0) -
      PREFILL * endpoints;
    sampling = false;
    await sampler;
    const drainSeconds = await drained(hub, 180_000);
    const lat = await latencies(hub, 0, from);
    const secondHalf = samples.filter(([t]) => t >= seconds / 2 && t <= seconds);
    log(`[fanout] backlog each second: ${samples.map(([, b]) => b).join(' ')}`);
    return {
      writerAloneChangesPerSecond: round(writerAlone),
      deliveryAlonePerSecond: round(deliveryAlone),
      writtenPerSecond: round((hub.written() - from + 1) / seconds),
      deliveredPerSecond: round(deliveredDuringLoad / seconds),
      backlogSlopePerSecond: round(slope(secondHalf)),
      backlogAtEnd: samples.filter(([t]) => t <= seconds).at(-1)?.[1] ?? NaN,
      backlogMax: Math.max(...samples.map(([, b]) => b)),
      drainSeconds: round(drainSeconds),
      latencyMedianMs: round(percentile(lat, 50)),
      latencyP95Ms: round(percentile(lat, 95)),
      ...summary(hub, await hub.receivers.stats()),
    };
  } finally {
    await hub.stop();
  }
}

async function outagePart(serverUri: string): Promise<Figures> {
  const hub = await startBenchHub({
    serverUri,
    endpoints: 1,
    users: 50,
    verifyEvery: 1,
    retryMaxMs: RETRY_MAX_MS,
  });
  try {
    await paced(hub, 20, 5, 2);
    await hub.receivers.down();
    log(`[outage] receiver down for ${OUTAGE_MINUTES} min (changes keep coming, 20/s)`);
    await paced(hub, 20, OUTAGE_MINUTES * 60, 2);
    const beforeUp = hub.written();
    await hub.receivers.up();
    const upAt = wallClock();
    log(`[outage] receiver back; ${beforeUp} changes written so far`);
    await paced(hub, 20, 10, 2);
    await drained(hub, RETRY_MAX_MS + 180_000);
    const { arrivals } = await hub.receivers.stats(0);
    const caughtUp = (arrivals ?? [])
      .filter(([seq]) => seq <= beforeUp)
      .reduce((latest, [, at]) => Math.max(latest, at), 0);
    return {
      outageMinutes: OUTAGE_MINUTES,
      written: hub.written(),
      catchUpSeconds: round((caughtUp - upAt) / 1_000),
      ...summary(hub, await hub.receivers.stats()),
    };
  } finally {
    await hub.stop();
  }
}

/** The median of each figure over the runs. */
function medians(runs: Figures[]): Figures {
  const out: Figures = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    out[key] = round(
      percentile(
        runs.map((r) => r[key]!),
        50,
      ),
      2,
    );
  }
  return out;
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const figures: Record<string, Figures> = {};
const allRuns: Record<string, unknown[]> = {};
try {
  const parts: [string, number, (uri: string) => Promise<Figures>][] = [
    ['latency', RUNS, latencyPart],
    ['fanout', RUNS, fanoutPart],
    ['outage', OUTAGE_RUNS, outagePart],
  ];
  for (const [name, runs, part] of parts) {
    if (!PARTS.includes(name)) continue;
    const results: Figures[] = [];
    for (let run = 1; run <= runs; run += 1) {
      const result = await part(handle.uri);
      log(`[${name}] run ${run}/${runs}: ${JSON.stringify(result)}`);
      results.push(result);
    }
    allRuns[name] = results;
    figures[name] = { ...medians(results), runs };
  }
} finally {
  await handle.stop();
}

console.log('\nOutbound webhooks (medians over the runs)');
for (const [part, values] of Object.entries(figures)) {
  for (const [key, value] of Object.entries(values)) {
    console.log(`  ${`${part}.${key}`.padEnd(40)} ${value}`);
  }
}
const report = {
  ...figures,
  note:
    `fanout at ${FANOUT_RATE}/s for ${FANOUT_SECONDS} s to 10 endpoints; outage ${OUTAGE_MINUTES} min; ` +
    `retry max ${RETRY_MAX_MS} ms; database ${handle.description}`,
  allRuns,
};
const dir = path.join(projectRoot(), 'bench', 'results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'outbound.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report));
process.exit(0);
