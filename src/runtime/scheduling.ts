/**
 * What the instances of one deployment share beside the database: the event bus that carries
 * live events and wake-ups between them, and Agenda's queue with its wake-up channel.
 */
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EventBus } from '../events/event-bus.js';
import { MemoryEventBus } from '../events/memory-event-bus.js';
import { MongoEventBus } from '../events/mongo-event-bus.js';
import { AgendaWakeupChannel } from '../jobs/agenda-wakeup-channel.js';
import { AgendaNotificationScheduler } from '../jobs/notification-scheduler.js';
import { pollTickMs } from '../jobs/poll-connectors.job.js';
import { agendaJobExists, createScheduler } from '../jobs/scheduler.js';
import { NoticeActivity } from '../webhooks/notice-activity.js';
import type { RuntimeTuning } from './tuning.js';

export type { EventBus };

export async function startBus(
  config: Readonly<Config>,
  db: NonNullable<Connection['db']>,
  logger: Logger,
  tuning: RuntimeTuning,
): Promise<EventBus> {
  if (config.pubsub.mode !== 'mongo') return new MemoryEventBus();
  return MongoEventBus.start({
    db,
    cappedBytes: config.pubsub.cappedBytes,
    logger: logger.child({ component: 'event-bus' }),
    ...(tuning.busMaxAwaitMs ? { maxAwaitTimeMs: tuning.busMaxAwaitMs } : {}),
  });
}

export function createScheduling(
  config: Readonly<Config>,
  db: NonNullable<Connection['db']>,
  bus: EventBus,
  instanceName: string,
  logger: Logger,
  tuning: RuntimeTuning,
) {
  const agenda = createScheduler({
    db,
    instanceName,
    // Recurring ticks are found by scans only: scan at least as often as the poll ticks.
    processEveryMs:
      tuning.processEveryMs ?? Math.min(5_000, pollTickMs(config.sync.pollIntervalMs)),
    defaultLockLifetimeMs: tuning.lockLifetimeMs ?? 10 * 60_000,
    notificationChannel: new AgendaWakeupChannel(bus),
  });
  const noticeActivity = new NoticeActivity();
  const scheduler = new AgendaNotificationScheduler(agenda, logger, {
    ...(tuning.coalesceMs === undefined ? {} : { coalesceMs: tuning.coalesceMs }),
    activity: noticeActivity,
    jobExists: agendaJobExists(db),
  });
  return { agenda, scheduler, noticeActivity };
}
