import type { Agenda } from 'agenda';
import { ObjectId, type Db, type MongoClient, type ServerDescriptionChangedEvent } from 'mongodb';
import type { Logger } from 'pino';
import { AGENDA_COLLECTION } from './scheduler.js';

export interface OrphanedLockRecoveryOptions {
  /** The client the scheduler's database belongs to: its monitoring events mark the outages. */
  client: Pick<MongoClient, 'on' | 'off'>;
  agenda: Pick<Agenda, 'getRunningStats' | 'attrs'>;
  db: Db;
  /**
   * How long after the database is back before releasing: longer than any lock request sent
   * before it came back can still take (server selection timeout plus a round trip).
   */
  settleMs: number;
  logger: Logger;
}

/**
 * Releases the job locks this instance lost track of during a database outage, so its jobs run
 * again as soon as the database is back rather than after their lock lifetime (a minute for the
 * poll tick, up to an hour for others).
 *
 * A lock is lost when the database applies a write but its reply never arrives: Agenda's
 * `findOneAndUpdate` that locks a job, or the save that unlocks a finished one, in flight when
 * the server stops. Agenda then treats the job as not locked by it, while the database says
 * it is, by this instance (`lastModifiedBy`), until the lock expires. On MongoDB replica sets a
 * retryable write recovers the reply; a standalone server (and FerretDB) has no retryable writes.
 *
 * When a server becomes known again after being unknown, and `settleMs` later, the locks that
 * carry this instance's name, were taken before the server came back and are not among the jobs
 * Agenda holds (queued, locked or running) are released. Other instances' locks are never
 * touched (their name differs). Returns a function that stops watching.
 */
export function releaseOrphanedLocksAfterOutages(options: OrphanedLockRecoveryOptions): () => void {
  const log = options.logger.child({ component: 'scheduler' });
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const release = async (backAt: Date): Promise<void> => {
    const name = options.agenda.attrs.name;
    if (!name || stopped) return;
    const status = await options.agenda.getRunningStats(true);
    const held = [status.queuedJobs, status.lockedJobs, status.runningJobs]
      .flatMap((jobs) => (Array.isArray(jobs) ? jobs : []))
      .map((job) => String(job._id))
      .filter((id) => ObjectId.isValid(id))
      .map((id) => new ObjectId(id));
    const result = await options.db
      .collection(AGENDA_COLLECTION)
      .updateMany(
        { lastModifiedBy: name, lockedAt: { $ne: null, $lt: backAt }, _id: { $nin: held } },
        { $unset: { lockedAt: '' } },
      );
    if (result.modifiedCount > 0) {
      log.warn({ released: result.modifiedCount }, 'released job locks lost in a database outage');
    }
  };

  const onServerChanged = (event: ServerDescriptionChangedEvent) => {
    if (event.previousDescription.type !== 'Unknown' || event.newDescription.type === 'Unknown') {
      return;
    }
    const backAt = new Date();
    const timer = setTimeout(() => {
      timers.delete(timer);
      release(backAt).catch((error: unknown) => {
        // The database went away again: the next recovery retries; lock expiry is the backstop.
        log.warn({ err: error }, 'could not release job locks lost in a database outage');
      });
    }, options.settleMs);
    timer.unref();
    timers.add(timer);
  };

  options.client.on('serverDescriptionChanged', onServerChanged);
  return () => {
    stopped = true;
    options.client.off('serverDescriptionChanged', onServerChanged);
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
