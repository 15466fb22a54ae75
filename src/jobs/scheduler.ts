import { Agenda, type NotificationChannel } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { ObjectId, type Db } from 'mongodb';

export interface SchedulerOptions {
  db: Db;
  /** Names this instance in Agenda's `lastModifiedBy`/lock fields; handy with several replicas. */
  instanceName: string;
  /**
   * How often Agenda looks for due jobs. A number of milliseconds: Agenda 6 accepts strings too
   * but silently never runs jobs for forms it cannot parse (e.g. "200 milliseconds").
   */
  processEveryMs: number;
  /** A job whose lock is older than this is considered dead and may run elsewhere. */
  defaultLockLifetimeMs: number;
  maxConcurrency?: number;
  /**
   * Wakes every instance as soon as a job is saved, instead of at its next scan; see
   * src/jobs/agenda-wakeup-channel.ts (Agenda's Mongo channel needs change streams).
   */
  notificationChannel?: NotificationChannel;
}

export const AGENDA_COLLECTION = 'agendaJobs';

/**
 * Agenda on the hub's own database. Its locking (findOneAndUpdate on `lockedAt`) is what keeps
 * several hub instances from running the same job at once; it needs no transactions or change
 * streams, so it works on MongoDB and on the offline FerretDB fallback alike.
 */
export function createScheduler(options: SchedulerOptions): Agenda {
  return new Agenda({
    backend: new MongoBackend({ mongo: options.db, collection: AGENDA_COLLECTION }),
    name: options.instanceName,
    processEvery: options.processEveryMs,
    defaultLockLifetime: options.defaultLockLifetimeMs,
    maxConcurrency: options.maxConcurrency ?? 20,
    ...(options.notificationChannel ? { notificationChannel: options.notificationChannel } : {}),
  });
}

/** Whether a job is still in Agenda's collection: one read by `_id` (indexed everywhere). */
export function agendaJobExists(db: Db): (jobId: string) => Promise<boolean> {
  const jobs = db.collection(AGENDA_COLLECTION);
  return async (jobId) => {
    if (!ObjectId.isValid(jobId)) return false;
    const found = await jobs.findOne({ _id: new ObjectId(jobId) }, { projection: { _id: 1 } });
    return found !== null;
  };
}
