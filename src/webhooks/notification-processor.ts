import type { Logger } from 'pino';
import type { ChangeMarkerModel } from '../db/models/change-marker.model.js';
import { SyncTrigger, type SyncRequester } from '../domain/connector.js';
import { ErrorCode, isAppError } from '../domain/errors.js';

export interface NotificationProcessorDeps {
  markers: ChangeMarkerModel;
  syncRequester: SyncRequester;
  logger: Logger;
  /**
   * Notifications that keep arriving while a connector is processed make it loop; past this many
   * rounds it stops and leaves the marker dirty for the next job or sweep.
   */
  maxRounds?: number;
  /**
   * Waits until no notification arrived for this long before requesting the sync, so a burst
   * still arriving becomes one delta sync instead of one per round...
   */
  settleMs?: number;
  /** ...but never longer than this per round: a change is never held back for long. */
  maxSettleMs?: number;
}

/**
 * Turns a connector's dirty change marker into a delta sync. The work is "sync the delta", not
 * "replay these notifications", so duplicates, reordering and bursts all collapse into it: 500
 * notifications that arrive together cost one requestSync (or a few, if they keep coming while
 * the first is requested), and SyncRequester coalesces concurrent requests on its side.
 */
export class NotificationProcessor {
  private readonly log: Logger;
  private readonly maxRounds: number;
  private readonly settleMs: number;
  private readonly maxSettleMs: number;

  constructor(private readonly deps: NotificationProcessorDeps) {
    this.log = deps.logger.child({ component: 'notification-processor' });
    this.maxRounds = deps.maxRounds ?? 5;
    this.settleMs = deps.settleMs ?? 300;
    this.maxSettleMs = deps.maxSettleMs ?? 2_000;
  }

  /** Returns how many syncs it requested. Throws only when requesting a sync failed. */
  async processConnector(connectorId: string): Promise<number> {
    const { markers, syncRequester } = this.deps;
    let requested = 0;
    let settleUntil = Date.now() + this.maxSettleMs;
    for (let round = 0; round < this.maxRounds;) {
      const marker = await markers
        .findOne({ _id: connectorId, dirty: true }, { seq: 1, lastNotifiedAt: 1 })
        .lean();
      if (!marker) return requested;
      // The clock that wrote lastNotifiedAt may be another instance's: settleUntil bounds the wait.
      const quietFor = Date.now() - marker.lastNotifiedAt.getTime();
      if (quietFor < this.settleMs && Date.now() < settleUntil) {
        await sleep(Math.min(this.settleMs - quietFor, settleUntil - Date.now()));
        continue;
      }
      round += 1;
      try {
        await syncRequester.requestSync(connectorId, SyncTrigger.WEBHOOK);
        requested += 1;
      } catch (error) {
        if (!(isAppError(error) && error.code === ErrorCode.NOT_FOUND)) throw error;
        // The connector was uninstalled or disabled since: nothing left to sync.
        this.log.info({ connectorId }, 'change marker for an inactive connector dropped');
      }
      // Clear only if nothing arrived meanwhile (same seq): a single-document conditional update.
      const cleared = await markers.updateOne(
        { _id: connectorId, seq: marker.seq },
        {
          $set: { dirty: false, missed: false, processedSeq: marker.seq, processedAt: new Date() },
        },
      );
      if (cleared.modifiedCount === 1) return requested;
      // More arrived while requesting: the next round waits for that burst to settle too.
      settleUntil = Date.now() + this.maxSettleMs;
    }
    this.log.info({ connectorId, requested }, 'notifications still arriving; processing later');
    return requested;
  }

  /** Connectors whose marker has been dirty for at least `quietMs` (the crash/lost-wakeup net). */
  async staleDirtyConnectorIds(quietMs: number, limit = 1_000): Promise<string[]> {
    const docs = await this.deps.markers
      .find({ dirty: true, lastNotifiedAt: { $lte: new Date(Date.now() - quietMs) } }, { _id: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => d._id);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
}
