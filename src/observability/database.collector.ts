import type { Connection } from 'mongoose';
import { ConnectorStatus, shownStatus } from '../domain/connector.js';
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
  const notices = db.collection('change_notices');
  // FerretDB v1 has no $min accumulator: the oldest notice comes from a sorted find.
  const [byStatus, backlog, oldest] = await Promise.all([
    db
      .collection('connectors')
      .aggregate<{ _id: string | null; n: number }>([
        { $match: { uninstalledAt: null } },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray(),
    notices.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$count' } } }]).toArray(),
    notices
      .find({}, { projection: { receivedAt: 1 } })
      .sort({ receivedAt: 1 })
      .limit(1)
      .toArray(),
  ]);
  metrics.connectors.reset();
  // Uninstalled connectors are not counted (matched out above): every other status shows, 0 too.
  for (const status of Object.values(ConnectorStatus)) {
    if (status !== ConnectorStatus.UNINSTALLED) metrics.connectors.set({ status }, 0);
  }
  for (const row of byStatus) {
    metrics.connectors.set({ status: shownStatus(row._id as ConnectorStatus | null) }, row.n);
  }
  metrics.notificationBacklog.set(backlog[0]?.n ?? 0);
  const receivedAt = oldest[0]?.['receivedAt'] as Date | undefined;
  metrics.notificationLag.set(
    receivedAt ? Math.max(0, (Date.now() - new Date(receivedAt).getTime()) / 1000) : 0,
  );
}
