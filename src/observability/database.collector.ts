import type { Connection } from 'mongoose';
import type { HubMetrics } from './hub-metrics.js';

/**
 * Gauges read from the database at scrape time, so they are right on every instance and after
 * restarts: connectors by status, and the change-notice backlog with the age of its oldest
 * notice (how far real-time processing lags behind Graph).
 */
export async function collectFromDatabase(
  metrics: HubMetrics,
  connection: Connection,
): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('the database is not connected');
  const [byStatus, backlog] = await Promise.all([
    db
      .collection('connectors')
      .aggregate<{ _id: string | null; n: number }>([
        { $match: { uninstalledAt: null } },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray(),
    db
      .collection('change_notices')
      .aggregate<{ n: number; oldest: Date | null }>([
        { $group: { _id: null, n: { $sum: '$count' }, oldest: { $min: '$receivedAt' } } },
      ])
      .toArray(),
  ]);
  metrics.connectors.reset();
  for (const status of [
    'NOT_ACTIVATED',
    'WAITING_FOR_CONNECTION',
    'CONNECTED',
    'UNAUTHORIZED',
    'ERROR',
    'DISABLED',
  ]) {
    metrics.connectors.set({ status }, 0);
  }
  for (const row of byStatus) metrics.connectors.set({ status: row._id ?? 'NOT_ACTIVATED' }, row.n);
  const pending = backlog[0];
  metrics.notificationBacklog.set(pending?.n ?? 0);
  metrics.notificationLag.set(
    pending?.oldest ? Math.max(0, (Date.now() - new Date(pending.oldest).getTime()) / 1000) : 0,
  );
}
