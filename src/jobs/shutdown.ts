import type { Agenda, DrainResult } from 'agenda';
import type { Db } from 'mongodb';
import { AGENDA_COLLECTION } from './scheduler.js';

/**
 * Graceful stop: let running jobs finish for up to `drainTimeoutMs`, then release every lock this
 * instance still holds (jobs that outlived the drain, and jobs it had locked into its queue but
 * not started, which `drain` leaves locked), so another instance takes them over at once rather
 * than after their lock lifetime. Locks are recognised by `lastModifiedBy`, which Agenda sets to
 * the instance name when it locks a job: instance names must be unique per process.
 */
export async function shutdownScheduler(
  agenda: Agenda,
  options: { db: Db; drainTimeoutMs: number },
): Promise<DrainResult> {
  const result = await agenda.drain({ timeout: options.drainTimeoutMs, closeConnection: false });
  const name = agenda.attrs.name;
  if (name) {
    await options.db
      .collection(AGENDA_COLLECTION)
      .updateMany({ lastModifiedBy: name, lockedAt: { $ne: null } }, { $unset: { lockedAt: '' } });
  }
  return result;
}
