/**
 * What the fault tests share: a database server of their own (so stopping it hurts no other test
 * file), the measured outcomes they keep for docs/reliability.md, and convergence checks of a
 * connector's directory against Entra.
 */
import { randomBytes } from 'node:crypto';
import { loadProvisionConfig } from '../../src/config.js';
import type { MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { withDatabase } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';
import type { SeededTenant } from '../helpers/emulator.js';
import { FINISHED, type HubData, type UserRow } from '../helpers/hub-data.js';
import { waitFor } from '../helpers/wait.js';

/** A server the test may stop and start: never the shared test server or an external one. */
export async function startPausableDatabase(): Promise<
  MongoServerHandle & { pause(): Promise<void>; start(): Promise<void>; databaseUri(): string }
> {
  const { mongodbUri: _external, ...options } = loadProvisionConfig(process.env);
  const handle = await provisionMongo({
    ...options,
    provider: options.provider === 'uri' ? 'auto' : options.provider,
  });
  if (!handle.pause || !handle.start) {
    await handle.stop();
    throw new Error(`the ${handle.provider} server cannot be paused`);
  }
  const { pause, start } = handle;
  return {
    ...handle,
    pause: () => pause.call(handle),
    start: () => start.call(handle),
    databaseUri: () => withDatabase(handle.uri, `fault_${randomBytes(5).toString('hex')}`),
  };
}

/**
 * Measured outcomes of a fault test (never asserted on time: benchmarks do that), kept in
 * .cache/reliability/<name>.json for docs/reliability.md.
 */
export async function recordOutcome(name: string, figures: Record<string, unknown>): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const { projectRoot } = await import('../../src/config.js');
  const dir = path.join(projectRoot(), '.cache', 'reliability');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, `${name}.json`),
    `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}

/** Entra ids of the users in the sync group now, as the emulator holds it. */
export function syncGroupUserIds(
  emulator: { control: { getGroup(t: string, g: string): { memberIds: string[] } } },
  tenant: SeededTenant,
): string[] {
  const users = new Set(tenant.userIds);
  return emulator.control
    .getGroup(tenant.tenantId, tenant.syncGroupId)
    .memberIds.filter((id) => users.has(id));
}

/**
 * The directory matches Entra: one ACTIVE user per sync-group member, nobody else active, no
 * user twice (by Entra id or by email). Returns a description of the differences, '' when none.
 */
export function divergence(users: UserRow[], expectedEntraIds: readonly string[]): string {
  const problems: string[] = [];
  const active = users.filter((u) => u.status === 'ACTIVE').map((u) => String(u.entraId));
  const expected = new Set(expectedEntraIds);
  const missing = [...expected].filter((id) => !active.includes(id));
  const extra = active.filter((id) => !expected.has(id));
  if (missing.length) problems.push(`${missing.length} members not ACTIVE`);
  if (extra.length) problems.push(`${extra.length} ACTIVE users not in the group`);
  const byEntra = new Set(users.map((u) => u.entraId));
  if (byEntra.size !== users.length) problems.push(`${users.length - byEntra.size} duplicate ids`);
  const byEmail = new Set(users.map((u) => u.email.toLowerCase()));
  if (byEmail.size !== users.length)
    problems.push(`${users.length - byEmail.size} duplicate emails`);
  return problems.join(', ');
}

/**
 * Waits until no run of the connector is QUEUED or RUNNING and `problems` finds nothing wrong with
 * its directory users (an empty string); on timeout the error says what was still wrong.
 */
export async function waitDirectory(
  data: HubData,
  connectorId: string,
  problems: (users: UserRow[]) => string,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  let last = '';
  try {
    await waitFor(
      async () => {
        const runs = await data.runs(connectorId);
        if (!runs.every((r) => FINISHED.includes(r.status))) {
          last = 'runs still in progress';
          return false;
        }
        last = problems(await data.users(connectorId));
        return last === '';
      },
      timeoutMs,
      what,
      intervalMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${last}`);
  }
}

/** Waits until no run of the connector is QUEUED or RUNNING and the directory matches Entra. */
export function waitConverged(
  data: HubData,
  connectorId: string,
  expected: () => readonly string[],
  timeoutMs: number,
  what = 'the directory to match Entra',
): Promise<void> {
  return waitDirectory(
    data,
    connectorId,
    (users) => divergence(users, expected()),
    timeoutMs,
    what,
  );
}
