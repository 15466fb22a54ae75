import { describe, expect, it } from '@jest/globals';
import type { Agenda } from 'agenda';
import { JobName } from '../../src/jobs/job-names.js';
import { AgendaNotificationScheduler } from '../../src/jobs/notification-scheduler.js';
import { NoticeActivity } from '../../src/webhooks/notice-activity.js';
import { captureLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';

/** Just enough of Agenda to record the one-off jobs the scheduler saves. */
function recordingAgenda() {
  const saved: { name: string; data: unknown; unique: unknown; insertOnly: unknown }[] = [];
  const agenda = {
    create(name: string, data: unknown) {
      const job = {
        attrs: { _id: `job-${saved.length + 1}` },
        uniqueKey: undefined as unknown,
        insertOnly: undefined as unknown,
        unique(key: unknown, options: { insertOnly?: boolean }) {
          job.uniqueKey = key;
          job.insertOnly = options.insertOnly;
          return job;
        },
        schedule() {
          return job;
        },
        save() {
          saved.push({ name, data, unique: job.uniqueKey, insertOnly: job.insertOnly });
          return Promise.resolve(job);
        },
      };
      return job;
    },
  };
  return { agenda: agenda as unknown as Agenda, saved };
}

describe('AgendaNotificationScheduler', () => {
  it('turns a burst for one connector into one job now and one trailing job', async () => {
    const { agenda, saved } = recordingAgenda();
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 100,
    });
    await Promise.all(Array.from({ length: 200 }, () => scheduler.connectorChanged('c1')));
    await scheduler.connectorChanged('c2');
    expect(saved).toHaveLength(2);
    await waitFor(() => saved.length === 3, 2_000, 'the trailing enqueue');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(saved).toHaveLength(3); // c2 had nothing after its first: no trailing job
    expect(saved[0]).toEqual({
      name: JobName.PROCESS_CONNECTOR_NOTIFICATIONS,
      data: { connectorId: 'c1' },
      unique: { 'data.connectorId': 'c1' },
      insertOnly: true,
    });
    expect(saved[2]?.data).toEqual({ connectorId: 'c1' });
    scheduler.close();
  });

  it('keeps one upsert per window while a connector is notified without pause', async () => {
    const { agenda, saved } = recordingAgenda();
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 100,
    });
    const started = Date.now();
    while (Date.now() - started < 450) {
      await scheduler.connectorChanged('c1');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The first at once, then one trailing per 100 ms window (4 or 5 with timer jitter), and
    // none after the stream stopped; dropping the window at each trailing enqueue made it ~9.
    expect(saved.length).toBeGreaterThanOrEqual(4);
    expect(saved.length).toBeLessThanOrEqual(6);
    scheduler.close();
  });

  it('queues subscription upkeep under its own job name', async () => {
    const { agenda, saved } = recordingAgenda();
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 100,
    });
    await scheduler.subscriptionsNeedAttention('c1');
    await scheduler.connectorChanged('c1');
    expect(saved.map((s) => s.name)).toEqual([
      JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS,
      JobName.PROCESS_CONNECTOR_NOTIFICATIONS,
    ]);
    scheduler.close();
  });

  it('lets the job of the last enqueue absorb a trailing one while it still exists', async () => {
    const { agenda, saved } = recordingAgenda();
    const live = new Set<string>();
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 100,
      jobExists: (id) => Promise.resolve(live.has(id)),
    });
    await scheduler.connectorChanged('c1');
    expect(saved).toHaveLength(1);
    live.add('job-1'); // still waiting or running
    await scheduler.connectorChanged('c1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(saved).toHaveLength(1); // the trailing enqueue found job-1 and saved nothing
    live.clear(); // job-1 finished and was removed
    await scheduler.connectorChanged('c1');
    await waitFor(() => saved.length === 2, 2_000, 'an enqueue once job-1 is gone');
    scheduler.close();
  });

  it('forgets the job when a window closes quiet: the next burst upserts at once', async () => {
    const { agenda, saved } = recordingAgenda();
    const checked: string[] = [];
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 50,
      jobExists: (id) => {
        checked.push(id);
        return Promise.resolve(true);
      },
    });
    await scheduler.connectorChanged('c1');
    await new Promise((resolve) => setTimeout(resolve, 150)); // the window closed quiet
    await scheduler.connectorChanged('c1');
    expect(saved).toHaveLength(2);
    expect(checked).toEqual([]); // no read for a job that was not part of a running burst
    scheduler.close();
  });

  it('queues nothing for a connector this instance is processing', async () => {
    const { agenda, saved } = recordingAgenda();
    const activity = new NoticeActivity();
    const scheduler = new AgendaNotificationScheduler(agenda, captureLogger().logger, {
      coalesceMs: 50,
      activity,
    });
    activity.begin('c1');
    await scheduler.connectorChanged('c1');
    await scheduler.subscriptionsNeedAttention('c1'); // upkeep is not the processor's work
    expect(saved.map((s) => s.name)).toEqual([JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS]);
    activity.end('c1');
    await scheduler.connectorChanged('c1');
    expect(saved).toHaveLength(2);
    scheduler.close();
  });
});
