import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { jobCursorModel } from '../../src/db/models/job-cursor.model.js';
import { SyncTrigger } from '../../src/domain/connector.js';
import { definePollConnectorsJob } from '../../src/jobs/poll-connectors.job.js';
import { JobName } from '../../src/jobs/job-names.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { captureLogger } from '../helpers/logger.js';
import { RecordingSyncRequester } from '../helpers/recording-sync.js';
import { waitFor } from '../helpers/wait.js';

describe('the poll job on two Agenda instances', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
  });
  afterAll(async () => close?.());

  it('polls every connector once per interval, spread over it, never twice at once', async () => {
    const INTERVAL = 2_000;
    const TICK = 250;
    const registry = new FakeRegistry();
    for (let i = 0; i < 200; i++) registry.add({ connectorId: `c-${i}` });
    const requester = new RecordingSyncRequester();
    const logger = captureLogger().logger;
    const db = connection.db!;
    const instances = ['poll-a', 'poll-b'].map((name) => {
      const agenda = testScheduler(db, name, 50);
      definePollConnectorsJob(agenda, {
        cursors: jobCursorModel(connection),
        registry,
        syncRequester: requester,
        pollIntervalMs: INTERVAL,
        tickMs: TICK,
        logger,
        lockLifetimeMs: 4_000,
      });
      return agenda;
    });
    await Promise.all(instances.map((a) => a.every(TICK, JobName.POLL_CONNECTORS)));
    const started = Date.now();
    await Promise.all(instances.map((a) => a.start()));
    try {
      await waitFor(() => Date.now() - started > 2 * INTERVAL + TICK, 10_000, 'two intervals');
    } finally {
      await Promise.all(instances.map((a) => a.stop(false)));
    }
    const polls = requester.requests;
    expect(polls.every((p) => p.trigger === SyncTrigger.POLL)).toBe(true);

    // Every connector came up about twice in two intervals (ticks run late, never early).
    const perConnector = new Map<string, number[]>();
    for (const p of polls)
      perConnector.set(p.connectorId, [...(perConnector.get(p.connectorId) ?? []), p.at]);
    expect(perConnector.size).toBe(200);
    for (const times of perConnector.values()) {
      expect(times.length).toBeGreaterThanOrEqual(1);
      expect(times.length).toBeLessThanOrEqual(3);
      // Never polled twice within much less than an interval (the two instances never overlap).
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThan(INTERVAL / 2);
      }
    }
    // Spread: no slice of a tick holds more than a fraction of all the connectors.
    const buckets = new Map<number, number>();
    for (const p of polls) {
      const slot = Math.floor((p.at - started) / TICK);
      buckets.set(slot, (buckets.get(slot) ?? 0) + 1);
    }
    expect(Math.max(...buckets.values())).toBeLessThan(200 / 2);
    expect(buckets.size).toBeGreaterThanOrEqual(6);
  });
});
