import type { Agenda } from 'agenda';
import type { ConnectorJobData, JobName } from './job-names.js';

export interface EnqueueOptions {
  /**
   * `coalesce` (default): a job already queued OR running for the connector absorbs this one.
   * Right for work that re-reads its input until none is left (notices): a running job sees
   * what arrived meanwhile. `after-running`: only a job still waiting absorbs it; when one is
   * running, another is queued behind it, for work that reads its input once (subscription
   * upkeep reads the connector once: a change saved while it runs needs a run of its own).
   */
  whileRunning?: 'coalesce' | 'after-running';
}

/**
 * Queues a one-off job for a connector to run now, coalescing with one already queued (or
 * running, see `whileRunning`). `insertOnly` matters: Agenda's plain unique save `$set`s the whole
 * job, clearing `lockedAt` of a running one so another instance could start it in parallel;
 * insert-only leaves it alone. The job definitions use `removeOnComplete` and never throw, so a
 * finished job never blocks the next. Returns the id of the job that now stands for the request
 * (the new one, or the one that absorbed it).
 */
export async function enqueueForConnector(
  agenda: Agenda,
  name: JobName,
  connectorId: string,
  options: EnqueueOptions = {},
): Promise<string | undefined> {
  // Agenda stores `lastRunAt: null` until a run starts. A non-equality condition (null is never
  // greater than a date) keeps the upsert from copying the field into the inserted job, where it
  // would clash with Agenda's own; FerretDB v1 does not match `$type: 'null'`.
  const key =
    options.whileRunning === 'after-running'
      ? { 'data.connectorId': connectorId, lastRunAt: { $not: { $gt: new Date(0) } } }
      : { 'data.connectorId': connectorId };
  const job = await agenda
    .create<ConnectorJobData>(name, { connectorId })
    .unique(key, { insertOnly: true })
    .schedule(new Date())
    .save();
  return job.attrs._id?.toString();
}
