import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { shutdownScheduler } from '../../src/jobs/shutdown.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

describe('graceful scheduler shutdown', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
  });
  afterAll(async () => close?.());

  it('lets a short job finish, and releases the lock of one that outlives the drain', async () => {
    const db = connection.db!;
    const agenda = testScheduler(db, `shutdown-${process.pid}`, 50);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const finished: string[] = [];
    agenda.define(
      'quick',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished.push('quick');
      },
      { lockLifetime: 4_000 },
    );
    agenda.define('stuck', () => stuck, { lockLifetime: 4_000 });
    await agenda.start();
    await agenda.now('quick');
    await agenda.now('stuck');
    const jobs = db.collection(AGENDA_COLLECTION);
    // Started, not just locked: a drain waits for running jobs and starts no queued one.
    await waitFor(
      async () => (await jobs.countDocuments({ lastRunAt: { $ne: null } })) === 2,
      10_000,
      'both jobs running',
    );

    const result = await shutdownScheduler(agenda, { db, drainTimeoutMs: 1_500 });
    expect(finished).toEqual(['quick']);
    expect(result).toMatchObject({ timedOut: true, running: 1 });
    // Another instance can take the stuck job over at once instead of after its lock lifetime.
    expect(await jobs.countDocuments({ name: 'stuck', lockedAt: { $ne: null } })).toBe(0);
    release();
  });

  it('returns as soon as the last running job finished (not at the drain timeout)', async () => {
    const db = connection.db!;
    const agenda = testScheduler(db, `shutdown-fast-${process.pid}`, 50);
    agenda.define(
      'removed-on-complete',
      () => new Promise<void>((resolve) => setTimeout(resolve, 100)),
      { lockLifetime: 4_000, removeOnComplete: true },
    );
    await agenda.start();
    await agenda.now('removed-on-complete');
    await waitFor(
      async () =>
        (await db.collection(AGENDA_COLLECTION).countDocuments({ lastRunAt: { $ne: null } })) > 0,
      10_000,
      'the job running',
    );
    // Agenda's own drain misses this job's end and reports timedOut after the full 20 s.
    const result = await shutdownScheduler(agenda, { db, drainTimeoutMs: 20_000 });
    expect(result).toMatchObject({ timedOut: false, aborted: false, running: 0 });
  });
});
