/**
 * `npm run bench`: runs every benchmark under bench/ (each `<name>.bench.ts`, compiled to
 * dist/bench) and writes one report: bench/results/latest.json and bench/results/latest.md
 * (every figure as a median, the figures the issues name with their targets, the machine).
 *
 *   npm run bench                       all benches, at least 5 runs each
 *   npm run bench -- --only webhooks    a subset (comma-separated names)
 *   npm run bench -- --runs 3           fewer runs while iterating
 *
 * Convention for a bench: accept `BENCH_RUNS` (or, per OPTIONS below, a `--runs` flag), report
 * medians over that many runs, print a human table, and end with its figures as JSON: written to
 * bench/results/<name>.json (preferred) or printed last on stdout. Every numeric leaf of that JSON
 * becomes a row (`allRuns` and `note` are left out); `runs` says how many runs the medians cover.
 * A bench that reports fewer runs than asked is invoked again and the report takes the median
 * over invocations. Never pass/fail on time: a failed bench is reported as failed, the rest go on.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  flatten,
  formatFigure,
  lastJsonObject,
  medianFigures,
  type Figures,
} from './report/figures.js';
import { resolveRequired } from './report/required.js';

interface BenchOptions {
  /** The bench file (`<file>.bench.ts`) when one file serves several entries; default the name. */
  file?: string;
  /** Runs of this entry, whatever `--runs` says (a part that takes a whole minute per run). */
  runs?: number;
  /** Extra arguments; `{runs}` is replaced by the number of runs asked. */
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Split the runs over several invocations, so a slow machine loses one run, not all. */
  runsPerInvocation?: number;
}

// Sizes stay the issues' sizes; only run counts and time limits are set here. The budget on the
// 2-core machine (measured): sync ~5 min (10k x 5 and 100k x 1), realtime ~4 min, realtime-idle
// ~1.5 min, realtime-live ~1 min, naive-vs-delta ~2.5 min, emulator ~1.2 min, api ~1 min, webhooks what is left.
const OPTIONS: Record<string, BenchOptions> = {
  sync: { env: { BENCH_RUNS_100K: '1' }, timeoutMs: 9 * 60_000 },
  // Acks and end-to-end latencies, one run per invocation.
  realtime: { env: { BENCH_PARTS: 'ack,e2e' }, timeoutMs: 3 * 60_000, runsPerInvocation: 1 },
  // Idle polling: one whole minute of 2,000 connectors (each checked once is one sample).
  'realtime-idle': {
    file: 'realtime',
    env: { BENCH_PARTS: 'idle' },
    runs: 1,
    timeoutMs: 4 * 60_000,
  },
  // Live events across two instances: 120 status changes per run, ~30 s a run.
  'realtime-live': { runs: 2, timeoutMs: 3 * 60_000 },
  'naive-vs-delta': { timeoutMs: 5 * 60_000 },
  emulator: { args: ['--runs', '{runs}'], timeoutMs: 5 * 60_000 },
  api: { timeoutMs: 4 * 60_000 },
  webhooks: { timeoutMs: 4 * 60_000, runsPerInvocation: 1 },
  // Outbound webhooks (issue 18): one run of each part, the receiver down for one minute here
  // (npm run bench:outbound alone: 3 runs, 10 minutes), ~3 min.
  outbound: {
    runs: 1,
    env: { BENCH_OUTAGE_MINUTES: '1', BENCH_FANOUT_SECONDS: '20' },
    timeoutMs: 6 * 60_000,
  },
};
/** The benches whose figures the issues name go first, while the budget is fresh. */
const ORDER = Object.keys(OPTIONS);
const DEFAULT_TIMEOUT_MS = 6 * 60_000;
/** The whole report must fit in 20 minutes on the 2-core CI machine. */
const BUDGET_MS = 19 * 60_000;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    skip: { type: 'string' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const only = values.only?.split(',').map((s) => s.trim());
const skip = new Set(values.skip?.split(',').map((s) => s.trim()) ?? []);

const root = fileURLToPath(new URL('../../', import.meta.url));
const sourceDir = `${root}bench/`;
const distDir = `${root}dist/bench/`;
const resultsDir = `${root}bench/results/`;

interface BenchReport {
  name: string;
  status: 'ok' | 'failed' | 'timed out';
  exitCode: number | null;
  durationMs: number;
  invocations: number;
  runs: number;
  figures: Figures;
  error?: string;
}

async function discover(): Promise<string[]> {
  const files = (await readdir(sourceDir))
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length));
  const entries = [
    ...ORDER.filter((name) => files.includes(OPTIONS[name]!.file ?? name)),
    ...files.filter((file) => !ORDER.includes(file)).sort(),
  ];
  return entries.filter((name) => (only ? only.includes(name) : true) && !skip.has(name));
}

interface Invocation {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderrTail: string;
}

function invoke(name: string, runs: number, timeoutMs: number): Promise<Invocation> {
  const opts = OPTIONS[name] ?? {};
  const args = (opts.args ?? []).map((a) => a.replace('{runs}', String(runs)));
  return new Promise((resolve) => {
    // Its own process group: a timeout also stops the database servers the bench started.
    const file = opts.file ?? name;
    const child = spawn(process.execPath, ['--expose-gc', `${distDir}${file}.bench.js`, ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env, BENCH_RUNS: String(runs) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    const prefix = (chunk: string) =>
      chunk
        .split('\n')
        .map((line) => (line ? `[${name}] ${line}` : line))
        .join('\n');
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      process.stdout.write(prefix(chunk));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
      process.stderr.write(prefix(chunk));
    });
    let timedOut = false;
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, timedOut, stdout, stderrTail: stderr });
    });
  });
}

async function resultOf(name: string, startedAt: number, stdout: string): Promise<unknown> {
  const file = `${resultsDir}${OPTIONS[name]?.file ?? name}.json`;
  try {
    if ((await stat(file)).mtimeMs >= startedAt) {
      return JSON.parse(await readFile(file, 'utf8')) as unknown;
    }
  } catch {
    // no file from this invocation: fall back to stdout
  }
  return lastJsonObject(stdout);
}

async function runBench(name: string, deadline: number): Promise<BenchReport> {
  const started = Date.now();
  const invocations: Figures[] = [];
  let runs = 0;
  let last: Invocation | undefined;
  const wanted = OPTIONS[name]?.runs ?? RUNS;
  const perInvocation = Math.min(OPTIONS[name]?.runsPerInvocation ?? wanted, wanted);
  while (runs < wanted && invocations.length < wanted) {
    const remaining = deadline - Date.now();
    const timeoutMs = Math.min(OPTIONS[name]?.timeoutMs ?? DEFAULT_TIMEOUT_MS, remaining);
    if (timeoutMs < 10_000) break;
    const invokedAt = Date.now();
    last = await invoke(name, Math.min(perInvocation, wanted - runs), timeoutMs);
    if (last.exitCode !== 0 || last.timedOut) break;
    const json = await resultOf(name, invokedAt, last.stdout);
    if (json === undefined || typeof json !== 'object') break;
    const figures = flatten(json);
    invocations.push(figures);
    const reported = typeof figures['runs'] === 'number' ? figures['runs'] : 1;
    runs += Math.max(1, reported);
  }
  const figures = medianFigures(invocations);
  delete figures['runs'];
  const failed = invocations.length === 0;
  return {
    name,
    status: failed ? (last?.timedOut ? 'timed out' : 'failed') : 'ok',
    exitCode: last?.exitCode ?? null,
    durationMs: Date.now() - started,
    invocations: invocations.length,
    runs,
    figures,
    ...(failed
      ? {
          error: last
            ? last.stderrTail.trim().split('\n').slice(-5).join('\n') || 'no JSON result'
            : 'no time left in the 20-minute budget',
        }
      : {}),
  };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return null;
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((os.freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    commit: gitCommit(),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function markdown(report: {
  machine: ReturnType<typeof machine>;
  durationMs: number;
  benches: BenchReport[];
  required: ReturnType<typeof resolveRequired>;
}): string {
  const m = report.machine;
  const lines = [
    '# Benchmark report',
    '',
    `${m.date} · commit ${m.commit ?? 'unknown'} · Node ${m.node} · ${m.cores} cores (${m.cpuModel}) · ` +
      `${m.memoryGiB} GiB memory · ${m.platform} · report took ${Math.round(report.durationMs / 1000)} s`,
    '',
    'Medians of at least the runs shown. Generated by `npm run bench`; never pass/fail.',
    '',
    '## Figures the issues name',
    '',
    '| Issue | Figure | Median | Target |',
    '| --- | --- | --- | --- |',
    ...report.required.map(
      (r) => `| #${r.issue} | ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.target)} |`,
    ),
    '',
    '## Every figure',
    '',
    '| Bench | Figure | Median | Runs |',
    '| --- | --- | --- | --- |',
  ];
  for (const bench of report.benches) {
    if (bench.status !== 'ok') {
      lines.push(
        `| ${bench.name} | ${bench.status} | ${cell((bench.error ?? '').split('\n').at(-1) ?? '')} | ${bench.runs} |`,
      );
      continue;
    }
    for (const [key, value] of Object.entries(bench.figures)) {
      lines.push(
        `| ${bench.name} | ${cell(key)} | ${cell(formatFigure(key, value))} | ${bench.runs} |`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

const started = Date.now();
const deadline = started + BUDGET_MS;
const names = await discover();
process.stdout.write(`bench: ${names.join(', ')} (${RUNS} runs each)\n`);
const benches: BenchReport[] = [];
for (const name of names) {
  const report = await runBench(name, deadline);
  process.stdout.write(
    `bench: ${name} ${report.status} in ${Math.round(report.durationMs / 1000)} s (${report.runs} runs)\n`,
  );
  benches.push(report);
}
const required = resolveRequired(
  Object.fromEntries(benches.filter((b) => b.status === 'ok').map((b) => [b.name, b.figures])),
);
const report = { machine: machine(), durationMs: Date.now() - started, benches, required };
await mkdir(resultsDir, { recursive: true });
await writeFile(`${resultsDir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
const md = markdown(report);
await writeFile(`${resultsDir}latest.md`, md);
process.stdout.write(`\n${md}\nbench: wrote bench/results/latest.json and latest.md\n`);
process.exitCode = benches.some((b) => b.status !== 'ok') ? 1 : 0;
