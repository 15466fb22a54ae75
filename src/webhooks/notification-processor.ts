import type { Logger } from 'pino';
import type { ChangeNoticeModel } from '../db/models/change-notice.model.js';
import { SyncTrigger, type SyncRequester } from '../domain/connector.js';
import { ErrorCode, isAppError } from '../domain/errors.js';

export interface NotificationProcessorDeps {
  notices: ChangeNoticeModel;
  syncRequester: SyncRequester;
  logger: Logger;
  /**
   * Notices that keep arriving while a connector is processed make it loop; past this many
   * rounds it stops and leaves them for the next job or the sweep.
   */
  maxRounds?: number;
  /**
   * Waits until no notice arrived for this long before requesting the sync, so a burst still
   * arriving becomes one delta sync instead of one per round...
   */
  settleMs?: number;
  /** ...but never longer than this per round: a change is never held back for long. */
  maxSettleMs?: number;
  /**
   * Asked when requesting the sync failed: notices of a connector that is no longer active
   * (disabled, uninstalled) are dropped instead of retried by every sweep.
   */
  isActive?: (connectorId: string) => Promise<boolean>;
  /**
   * When the connector's scheduled syncs back off after failed runs (expired secret, revoked
   * consent), null otherwise. Notices of a backing-off connector are dropped rather than turned
   * into a sync Entra would refuse again: the delta link holds the changes, and the first run
   * that succeeds (the backoff's retry, or the one new credentials start) reads them.
   */
  deferredUntil?: (connectorId: string) => Promise<Date | null>;
}

/**
 * Turns a connector's change notices into a delta sync. The work is "sync the delta", not
 * "replay these notifications", so duplicates, reordering and bursts all collapse into it: 500
 * notifications that arrive together cost one requestSync (or a few, if they keep coming), and
 * SyncRequester coalesces concurrent requests on its side.
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
    const { notices, syncRequester } = this.deps;
    let requested = 0;
    let settleUntil = Date.now() + this.maxSettleMs;
    for (let round = 0; round < this.maxRounds;) {
      const pending = await notices
        .find({ connectorId }, { _id: 1, receivedAt: 1 })
        .limit(10_000)
        .lean();
      if (pending.length === 0) return requested;
      // The clock that wrote receivedAt may be another instance's: settleUntil bounds the wait.
      const latest = Math.max(...pending.map((n) => n.receivedAt.getTime()));
      const quietFor = Date.now() - latest;
      if (quietFor < this.settleMs && Date.now() < settleUntil) {
        await sleep(Math.min(this.settleMs - quietFor, settleUntil - Date.now()));
        continue;
      }
      round += 1;
      const deferred = await this.deps.deferredUntil?.(connectorId);
      if (deferred) {
        this.log.debug(
          { connectorId, dropped: pending.length, until: deferred },
          'change notices dropped: the connector backs off; its next successful run reads them',
        );
        await notices.deleteMany({ _id: { $in: pending.map((n) => n._id) } });
        continue;
      }
      try {
        await syncRequester.requestSync(connectorId, SyncTrigger.WEBHOOK);
        requested += 1;
      } catch (error) {
        const gone = isAppError(error) && error.code === ErrorCode.NOT_FOUND;
        if (!gone && (await this.deps.isActive?.(connectorId)) !== false) throw error;
        // The connector was uninstalled or disabled since: nothing left to sync.
        this.log.info({ connectorId }, 'change notices of an inactive connector dropped');
      }
      // Exactly the notices this sync covers: ones that arrived meanwhile stay for the next round.
      await notices.deleteMany({ _id: { $in: pending.map((n) => n._id) } });
      settleUntil = Date.now() + this.maxSettleMs;
    }
    this.log.info({ connectorId, requested }, 'notifications still arriving; processing later');
    return requested;
  }

  /** Connectors with a notice at least `quietMs` old (the crash/lost-wake-up safety net). */
  async staleConnectorIds(quietMs: number): Promise<string[]> {
    const ids = await this.deps.notices.distinct('connectorId', {
      receivedAt: { $lte: new Date(Date.now() - quietMs) },
    });
    return ids.map(String);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
}
