import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { leaseModel } from '../../src/db/models/lease.model.js';
import { MemoryEventBus } from '../../src/events/memory-event-bus.js';
import { RealtimeTopic, type RealtimeTopics } from '../../src/events/topics.js';
import { JobName } from '../../src/jobs/job-names.js';
import { defineRunRetentionJob } from '../../src/jobs/run-retention.job.js';
import { AGENDA_COLLECTION } from '../../src/jobs/scheduler.js';
import { defineSecretExpiryWarningsJob } from '../../src/jobs/secret-expiry-warnings.job.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';

const DAY = 86_400_000;

describe('daily jobs', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
  });
  afterAll(async () => close?.());

  const runOnce = async (agenda: ReturnType<typeof testScheduler>, name: JobName) => {
    const jobs = connection.db!.collection(AGENDA_COLLECTION);
    const before = await jobs.countDocuments({ name, lastFinishedAt: { $ne: null } });
    await agenda.now(name);
    await waitFor(
      async () => (await jobs.countDocuments({ name, lastFinishedAt: { $ne: null } })) > before,
      10_000,
      `${name} to finish`,
    );
  };

  it('warns once a day per connector whose client secret expires within 30 days', async () => {
    const now = new Date('2030-01-10T08:00:00Z');
    let clock = now;
    const cutoffs: Date[] = [];
    const bus = new MemoryEventBus<RealtimeTopics>();
    const events = bus.subscribe(RealtimeTopic.CONNECTOR_SECRET_EXPIRING);
    const logs = captureLogger();
    const agenda = testScheduler(connection.db!, 'secrets', 50);
    defineSecretExpiryWarningsJob(agenda, {
      source: {
        listClientSecretsExpiringBefore: (cutoff) => {
          cutoffs.push(cutoff);
          return Promise.resolve([
            { connectorId: 'c1', expiresAt: new Date(now.getTime() + 12 * DAY + 3_600_000) },
          ]);
        },
      },
      events: bus,
      leases: leaseModel(connection),
      logger: logs.logger,
      now: () => clock,
      lockLifetimeMs: 4_000,
    });
    await agenda.start();
    try {
      await runOnce(agenda, JobName.SECRET_EXPIRY_WARNINGS);
      await runOnce(agenda, JobName.SECRET_EXPIRY_WARNINGS); // same day: no second warning
      clock = new Date(now.getTime() + DAY);
      await runOnce(agenda, JobName.SECRET_EXPIRY_WARNINGS); // next day: warned again
    } finally {
      await agenda.stop(false);
      await bus.close();
    }
    const received = [];
    // Compared as ISO strings: structuredClone makes Dates of another realm than Jest's.
    for await (const e of events) received.push({ ...e, expiresAt: e.expiresAt.toISOString() });
    const expiresAt = new Date(now.getTime() + 12 * DAY + 3_600_000).toISOString();
    expect(received).toEqual([
      { connectorId: 'c1', expiresAt, daysLeft: 12 },
      { connectorId: 'c1', expiresAt, daysLeft: 11 },
    ]);
    expect(cutoffs[0]).toEqual(new Date(now.getTime() + 30 * DAY));
    expect(
      logs.records().filter((r) => r['msg'] === 'connector client secret expires soon'),
    ).toHaveLength(2);
  });

  it('deletes sync runs older than the retention through the sync side port', async () => {
    const cutoffs: Date[] = [];
    const agenda = testScheduler(connection.db!, 'retention', 50);
    const now = new Date('2030-06-01T00:00:00Z');
    defineRunRetentionJob(agenda, {
      retention: {
        deleteRunsOlderThan: (cutoff) => {
          cutoffs.push(cutoff);
          return Promise.resolve(3);
        },
      },
      retentionDays: 90,
      logger: captureLogger().logger,
      now: () => now,
      lockLifetimeMs: 4_000,
    });
    await agenda.start();
    try {
      await runOnce(agenda, JobName.RUN_RETENTION);
    } finally {
      await agenda.stop(false);
    }
    expect(cutoffs).toEqual([new Date(now.getTime() - 90 * DAY)]);
  });
});
