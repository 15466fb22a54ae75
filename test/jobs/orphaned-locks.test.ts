import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { releaseOrphanedLocksAfterOutages } from '../../src/jobs/orphaned-locks.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { shutdownScheduler } from '../../src/jobs/shutdown.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the driver emits for one server: (previous type, new type). */
function serverChanged(client: EventEmitter, from: string, to: string): void {
  client.emit('serverDescriptionChanged', {
    previousDescription: { type: from },
    newDescription: { type: to },
  });
}

describe('job locks lost in a database outage', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
  });
  afterAll(async () => close?.());

  it('are released once the server is back; held, newer and other instances’ locks stay', async () => {
    const db = connection.db!;
    const me = `orphans-${process.pid}`;
    const agenda = testScheduler(db, me, 50);
    let finish!: () => void;
    const running = new Promise<void>((resolve) => (finish = resolve));
    agenda.define('held', () => running, { lockLifetime: 4_000 });
    await agenda.start();
    await agenda.now('held');
    const jobs = db.collection(AGENDA_COLLECTION);
    await waitFor(
      async () => (await jobs.countDocuments({ name: 'held', lastRunAt: { $ne: null } })) === 1,
      10_000,
      'the held job running',
    );
    // Locks in the database only (no handler is defined for these names, so Agenda never
    // takes them): the reply of the lock taken before the outage never reached this instance.
    const later = new Date(Date.now() + 60_000);
    await jobs.insertMany([
      { name: 'orphan', lockedAt: new Date(), lastModifiedBy: me, nextRunAt: later },
      { name: 'theirs', lockedAt: new Date(), lastModifiedBy: 'another-hub', nextRunAt: later },
    ]);

    const client = new EventEmitter();
    const log = captureLogger();
    const stop = releaseOrphanedLocksAfterOutages({
      client: client as unknown as MongoClient,
      agenda,
      db,
      settleMs: 100,
      logger: log.logger,
    });
    const locked = async (name: string) =>
      (await jobs.countDocuments({ name, lockedAt: { $ne: null } })) === 1;
    try {
      // Not a recovery: the server was known before and after.
      serverChanged(client, 'Standalone', 'Standalone');
      serverChanged(client, 'Standalone', 'Unknown');
      await sleep(300);
      expect(await locked('orphan')).toBe(true);

      serverChanged(client, 'Unknown', 'Standalone');
      // A lock this instance takes after the server came back is a live one.
      await jobs.insertOne({ name: 'newer', lockedAt: new Date(), lastModifiedBy: me });
      await waitFor(async () => !(await locked('orphan')), 5_000, 'the orphaned lock released');
      expect(await locked('held')).toBe(true);
      expect(await locked('theirs')).toBe(true);
      expect(await locked('newer')).toBe(true);
      expect(log.records()).toContainEqual(
        expect.objectContaining({
          released: 1,
          msg: 'released job locks lost in a database outage',
        }),
      );
    } finally {
      stop();
      finish();
      await shutdownScheduler(agenda, { db, drainTimeoutMs: 2_000 });
      // Agenda's liveness check of the held run (every half lock lifetime) outlives the run.
      await sleep(2_100);
    }
  });
});
