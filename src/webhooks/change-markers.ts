import type { ChangeMarkerModel } from '../db/models/change-marker.model.js';

/**
 * Marks a connector as changed with one atomic upsert: `seq` counts what arrived, `dirty` says
 * a delta sync is owed. Used by the receiver (before its 202) and after a subscription is
 * (re)created, to cover what changed while no subscription existed.
 */
export async function markConnectorChanged(
  markers: ChangeMarkerModel,
  connectorId: string,
  change: { count: number; missed: boolean },
  now = new Date(),
): Promise<void> {
  const update = {
    $inc: { seq: change.count },
    $set: { dirty: true, lastNotifiedAt: now, ...(change.missed ? { missed: true } : {}) },
    $setOnInsert: {
      processedSeq: 0,
      processedAt: null,
      ...(change.missed ? {} : { missed: false }),
    },
  };
  const options = { upsert: true, setDefaultsOnInsert: false } as const;
  try {
    await markers.updateOne({ _id: connectorId }, update, options);
  } catch (error) {
    // Two first-ever upserts for one connector can race on MongoDB; the loser just updates.
    if ((error as { code?: number }).code !== 11000) throw error;
    await markers.updateOne({ _id: connectorId }, update, options);
  }
}
