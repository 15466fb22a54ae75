import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Schema, type Connection } from 'mongoose';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { openTestConnection } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

describe('the real MongoDB-compatible server', () => {
  let connection: Connection;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
  });
  afterAll(async () => close());

  it('writes and reads through mongoose and enforces a unique index', async () => {
    const Person = connection.model(
      'Person',
      new Schema({ email: { type: String, required: true, unique: true }, name: String }),
    );
    await Person.init();
    await Person.create({ email: 'ada@example.com', name: 'Ada' });

    const found = await Person.findOne({ email: 'ada@example.com' }).lean();
    expect(found?.name).toBe('Ada');

    await expect(Person.create({ email: 'ada@example.com', name: 'Copy' })).rejects.toMatchObject({
      code: 11000,
    });
    expect(await Person.countDocuments()).toBe(1);
  });

  it('runs an Agenda job end to end: define, schedule, run, effect in the database', async () => {
    const db = connection.db!;
    const agenda = createScheduler({
      db,
      instanceName: 'test-a',
      processEveryMs: 100,
      defaultLockLifetimeMs: 10_000,
    });
    agenda.define('record-effect', async (job) => {
      const data = job.attrs.data as { value: number };
      await db.collection('effects').insertOne({ value: data.value, at: new Date() });
    });
    await agenda.start();
    try {
      await agenda.schedule(new Date(Date.now() + 200), 'record-effect', { value: 42 });
      const effect = await waitFor(() => db.collection('effects').findOne({ value: 42 }), 10_000);
      expect(effect?.['value']).toBe(42);
      // The handler's write lands before Agenda records the run as finished: wait for that too.
      const job = await waitFor(
        () =>
          db
            .collection('agendaJobs')
            .findOne({ name: 'record-effect', lastFinishedAt: { $ne: null } }),
        10_000,
      );
      expect(job?.['lastFinishedAt']).toBeInstanceOf(Date);
    } finally {
      await agenda.stop();
    }
  });

  it('locks a job so two Agenda instances never both run it', async () => {
    const db = connection.db!;
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const makeInstance = (name: string) => {
      const agenda = createScheduler({
        db,
        instanceName: name,
        processEveryMs: 50,
        defaultLockLifetimeMs: 10_000,
      });
      agenda.define(
        'exclusive',
        async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          runs.push(name);
          // Long enough that the other instance polls several times while this one holds it.
          await new Promise((resolve) => setTimeout(resolve, 600));
          active -= 1;
        },
        { concurrency: 1, lockLimit: 1 },
      );
      return agenda;
    };
    const a = makeInstance('instance-a');
    const b = makeInstance('instance-b');
    await Promise.all([a.start(), b.start()]);
    try {
      await a.now('exclusive');
      await waitFor(async () => {
        const job = await db.collection('agendaJobs').findOne({ name: 'exclusive' });
        return job?.['lastFinishedAt'] ? job : undefined;
      }, 10_000);
      // Give the other instance time to (wrongly) pick the finished job up again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(runs).toHaveLength(1);
      expect(maxActive).toBe(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
