import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import { enqueueForConnector } from '../../src/jobs/enqueue.js';
import { JobName, type ConnectorJobData } from '../../src/jobs/job-names.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

/** The one-off per-connector jobs on a real Agenda: what absorbs a second enqueue, and what not. */
describe('enqueueForConnector', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  let agenda: Agenda;
  const runs: string[] = [];
  const waiting: (() => void)[] = [];
  const release = () => waiting.shift()?.();

  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
    agenda = testScheduler(connection.db!, `enqueue-${process.pid}`, 50);
    for (const name of [
      JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS,
      JobName.PROCESS_CONNECTOR_NOTIFICATIONS,
    ]) {
      agenda.define<ConnectorJobData>(
        name,
        async (job) => {
          runs.push(`${name}:${job.attrs.data.connectorId}`);
          await new Promise<void>((resolve) => waiting.push(resolve));
        },
        { removeOnComplete: true, lockLifetime: 4_000, concurrency: 4 },
      );
    }
    await agenda.start();
  });
  afterAll(async () => {
    while (waiting.length > 0) release();
    await agenda?.stop(false);
    await close?.();
  });

  const running = (name: JobName, id: string) => runs.filter((r) => r === `${name}:${id}`).length;
  const stored = (name: JobName, id: string) =>
    connection.db!.collection('agendaJobs').countDocuments({ name, 'data.connectorId': id });

  it('after-running: a job waiting absorbs it, a job running does not', async () => {
    const name = JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS;
    await enqueueForConnector(agenda, name, 'c1', { whileRunning: 'after-running' });
    await enqueueForConnector(agenda, name, 'c1', { whileRunning: 'after-running' });
    await waitFor(() => running(name, 'c1') === 1, 5_000, 'the first run');
    // Running now: a change saved meanwhile gets a run of its own, queued behind it...
    await enqueueForConnector(agenda, name, 'c1', { whileRunning: 'after-running' });
    await enqueueForConnector(agenda, name, 'c1', { whileRunning: 'after-running' });
    expect(await stored(name, 'c1')).toBe(2);
    release();
    await waitFor(() => running(name, 'c1') === 2, 5_000, 'the second run');
    release();
    await waitFor(async () => (await stored(name, 'c1')) === 0, 5_000, 'both removed');
    expect(running(name, 'c1')).toBe(2);
  });

  it('coalesce: a running job absorbs it (it re-reads its input until none is left)', async () => {
    const name = JobName.PROCESS_CONNECTOR_NOTIFICATIONS;
    await enqueueForConnector(agenda, name, 'c2');
    await waitFor(() => running(name, 'c2') === 1, 5_000, 'the run');
    await enqueueForConnector(agenda, name, 'c2');
    expect(await stored(name, 'c2')).toBe(1);
    release();
    await waitFor(async () => (await stored(name, 'c2')) === 0, 5_000, 'removed');
    expect(running(name, 'c2')).toBe(1);
  });
});
