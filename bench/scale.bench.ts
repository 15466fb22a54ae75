/**
 * `npm run bench:scale`: how the sync's cost grows with the tenant. For each size N (default 1k,
 * 10k, 100k and 1M; BENCH_SCALE_SIZES=1000,10000 for fewer): N users, all in the sync group, and
 * five selected groups of about N/5 members each; the initial full sync (time, this process's
 * peak RSS), then a 100-change delta run (a third renamed, a third leaving, a third joining). The
 * growth row compares each 100-change run with the smallest tenant's. Never pass/fail; results
 * in bench/results/scale.json. The emulator (a child process) needs about 4 GB at 1M users.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadProvisionConfig } from '../src/config.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { SyncTrigger } from '../src/domain/connector.js';
import { EmulatorChild, heapLimitMb, peakRss, startSyncStack } from './support/sync-stack.js';

const SIZES = (process.env['BENCH_SCALE_SIZES'] ?? '1000,10000,100000,1000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const GROUPS = 5;
const progress = (line: string) => process.stderr.write(`[bench:scale] ${line}\n`);
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' }, pino.destination(2));
const here = path.dirname(fileURLToPath(import.meta.url));

interface SizeFigures {
  users: number;
  memberships: number;
  generateMs: number;
  fullSyncMs: number;
  fullSyncPeakRssMb: number;
  fullSyncGraphRequests: number;
  hundredChangeMs: number;
  hundredChangeGraphRequests: number;
  hundredChangeMode: string;
}

async function benchSize(serverUri: string, users: number): Promise<SizeFigures> {
  // About one membership per user over five groups: five groups of about users / 5.
  const emulator = await EmulatorChild.start(users > 200_000 ? 8_192 : 4_096);
  try {
    const tenant = await emulator.seed(users, GROUPS, users, 1);
    progress(`${users} users generated in ${tenant.generateMs} ms; full sync`);
    const stack = await startSyncStack(serverUri, tenant, tenant.groupIds, logger);
    try {
      const { result: full, peakMb } = await peakRss(() => stack.timedRun(SyncTrigger.INITIAL));
      progress(`${users}: full ${Math.round(full.ms)} ms, peak ${peakMb} MB; 100 changes`);
      await emulator.mutate(tenant, 100);
      const changed = await stack.timedRun(SyncTrigger.POLL);
      progress(`${users}: 100-change ${Math.round(changed.ms)} ms`);
      return {
        users,
        memberships: full.run.counts.membershipsAdded,
        generateMs: tenant.generateMs,
        fullSyncMs: Math.round(full.ms),
        fullSyncPeakRssMb: peakMb,
        fullSyncGraphRequests: full.run.graphRequests,
        hundredChangeMs: Math.round(changed.ms),
        hundredChangeGraphRequests: changed.run.graphRequests,
        hundredChangeMode: changed.run.mode,
      };
    } finally {
      await stack.close();
    }
  } finally {
    await emulator.stop();
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
try {
  const sizes: SizeFigures[] = [];
  for (const users of SIZES) sizes.push(await benchSize(handle.uri, users));
  const base = sizes[0]?.hundredChangeMs ?? NaN;
  const figures = {
    database: handle.provider,
    selectedGroups: GROUPS,
    heapLimitMb: heapLimitMb(),
    sizes: Object.fromEntries(
      sizes.map((s) => [
        `users${s.users}`,
        { ...s, hundredChangeGrowth: Number((s.hundredChangeMs / base).toFixed(2)) },
      ]),
    ),
    targets: {
      fullSync1MMs: 600_000,
      fullSync1MPeakRssMb: 512,
      hundredChange1MMs: 1_000,
      hundredChangeGrowthMax: 2,
    },
  };
  console.log(
    `\nSync scale benchmark (${figures.database}; ${GROUPS} selected groups; heap limit ${figures.heapLimitMb} MB)`,
  );
  console.log('  users      full sync    peak RSS  memberships  100-change  growth vs first');
  for (const s of sizes) {
    console.log(
      `  ${String(s.users).padEnd(9)}  ${`${s.fullSyncMs} ms`.padEnd(11)}  ${`${s.fullSyncPeakRssMb} MB`.padEnd(8)}  ${String(s.memberships).padEnd(11)}  ${`${s.hundredChangeMs} ms`.padEnd(10)}  ${(s.hundredChangeMs / base).toFixed(2)}x`,
    );
  }
  console.log(
    '  targets: 1M full sync <= 10 min with peak RSS <= 512 MB; 100-change run <= 1 s at 1M and within 2x of the smallest',
  );
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
  const out = path.join(here, '..', '..', 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'scale.json'), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await handle.stop();
}
