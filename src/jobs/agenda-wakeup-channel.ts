import { BaseNotificationChannel, toJobId, type JobNotification } from 'agenda';
import type { EventBus, EventPayload } from '../events/event-bus.js';

export const AGENDA_JOB_TOPIC = 'agenda:job-saved';

interface JobSavedEvent extends EventPayload {
  jobId: string;
  jobName: string;
  nextRunAt: Date | null;
  priority: number;
  timestamp: Date;
  source: string | null;
}

/**
 * Agenda's cross-process wake-up over the hub's event bus. Without one, a job queued with `now`
 * waits for the next `processEvery` scan; with it, every instance hears of the save within the
 * bus latency (tens of ms over the capped collection) and the first to lock it runs it. Agenda's
 * own Mongo channel needs change streams, which FerretDB lacks.
 */
export class AgendaWakeupChannel extends BaseNotificationChannel {
  private iterator: AsyncIterableIterator<EventPayload> | undefined;

  constructor(private readonly bus: EventBus) {
    super({ channelName: AGENDA_JOB_TOPIC });
  }

  connect(): Promise<void> {
    this.iterator = this.bus.subscribe(AGENDA_JOB_TOPIC);
    this.setState('connected');
    void this.pump(this.iterator);
    return Promise.resolve();
  }

  async disconnect(): Promise<void> {
    await this.iterator?.return?.();
    this.iterator = undefined;
    this.setState('disconnected');
  }

  async publish(notification: JobNotification): Promise<void> {
    const event: JobSavedEvent = {
      jobId: String(notification.jobId),
      jobName: notification.jobName,
      nextRunAt: notification.nextRunAt,
      priority: notification.priority,
      timestamp: notification.timestamp,
      source: notification.source ?? null,
    };
    await this.bus.publish(AGENDA_JOB_TOPIC, event);
  }

  private async pump(iterator: AsyncIterableIterator<EventPayload>): Promise<void> {
    for await (const payload of iterator) {
      const event = payload as JobSavedEvent;
      await this.notifyHandlers({
        jobId: toJobId(event.jobId),
        jobName: event.jobName,
        nextRunAt: event.nextRunAt === null ? null : new Date(event.nextRunAt),
        priority: event.priority,
        timestamp: new Date(event.timestamp),
        ...(event.source === null ? {} : { source: event.source }),
      }).catch(() => undefined);
    }
  }
}
