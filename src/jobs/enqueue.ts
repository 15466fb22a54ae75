import type { Agenda } from 'agenda';
import type { ConnectorJobData, JobName } from './job-names.js';

/**
 * Queues a one-off job for a connector to run now, coalescing with one already queued or running.
 * `insertOnly` matters: Agenda's plain unique save `$set`s the whole job, clearing `lockedAt` of a
 * running one so another instance could start it in parallel; insert-only leaves it alone. The
 * job definitions use `removeOnComplete` and never throw, so a finished job never blocks the next.
 */
export async function enqueueForConnector(
  agenda: Agenda,
  name: JobName,
  connectorId: string,
): Promise<void> {
  await agenda
    .create<ConnectorJobData>(name, { connectorId })
    .unique({ 'data.connectorId': connectorId }, { insertOnly: true })
    .schedule(new Date())
    .save();
}
