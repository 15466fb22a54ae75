import type { Agenda, DrainResult } from 'agenda';
import type { Db } from 'mongodb';
import { AGENDA_COLLECTION } from './scheduler.js';

/**
 * Graceful stop: let running jobs finish for up to `drainTimeoutMs`, then release every lock this
 * instance still holds (jobs that outlived the drain, and jobs it had locked into its queue but
 * not started, which `drain` leaves locked), so another instance takes them over at once rather
 * than after their lock lifetime. Locks are recognised by `lastModifiedBy`, which Agenda sets to
 * the instance name when it locks a job: instance names must be unique per process.
 *
 * Agenda 6's drain checks for "no job running" one setImmediate after each 'complete' event, but
 * a job leaves its running list only after that (removeOnComplete, saving the result): the last
 * job to finish is then missed and the drain waits out its whole timeout. So the running count is
 * also polled here and the drain is ended as soon as it reaches zero.
 */
export async function shutdownScheduler(
  agenda: Agenda,
  options: { db: Db; drainTimeoutMs: number; pollMs?: number },
): Promise<DrainResult> {
  const idle = new AbortController();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
      if (polling && (await runningJobs(agenda)) === 0) {
        idle.abort();
        return;
      }
    }
  })();
  let result: DrainResult;
  try {
    result = await agenda.drain({
      timeout: options.drainTimeoutMs,
      signal: idle.signal,
      closeConnection: false,
    });
  } finally {
    polling = false;
    await poll.catch(() => undefined);
  }
  // Ended by the poll: every job finished, which is what a drain reports as not aborted.
  if (result.aborted && idle.signal.aborted) result = { ...result, aborted: false, running: 0 };
  const name = agenda.attrs.name;
  if (name) {
    await options.db
      .collection(AGENDA_COLLECTION)
      .updateMany({ lastModifiedBy: name, lockedAt: { $ne: null } }, { $unset: { lockedAt: '' } });
  }
  return result;
}

/** Jobs this instance is running now (Agenda's in-memory status; no database round trip). */
async function runningJobs(agenda: Agenda): Promise<number> {
  const status = await agenda.getRunningStats();
  return typeof status.runningJobs === 'number' ? status.runningJobs : status.runningJobs.length;
}
