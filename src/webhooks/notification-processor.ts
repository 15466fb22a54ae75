import type { Logger } from 'pino';
import type { ChangeNoticeModel, ChangeNoticeRecord } from '../db/models/change-notice.model.js';
import { SyncTrigger, type SyncRequester } from '../domain/connector.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import type { NoticeActivity } from './notice-activity.js';

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
   * This instance's receiver and scheduler (see NoticeActivity): while the receiver is still
   * taking a burst for the connector, the settle wait needs no database read; while this
   * processor works on a connector, the scheduler queues no job for it. Without it, every settle
   * check reads the notices and every notification window queues a job.
   */
  activity?: NoticeActivity;
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
    const { activity } = this.deps;
    activity?.begin(connectorId);
    try {
      return await this.process(connectorId);
    } finally {
      activity?.end(connectorId);
    }
  }

  private async process(connectorId: string): Promise<number> {
    const { notices, syncRequester, activity } = this.deps;
    let requested = 0;
    let settleUntil = this.settleDeadline();
    for (let round = 0; round < this.maxRounds;) {
      const localWait = this.settleWait(activity?.lastAt(connectorId), settleUntil);
      if (localWait > 0) {
        await sleep(localWait);
        continue;
      }
      const readFrom = Date.now();
      const pending = await notices
        .find({ connectorId }, { _id: 1, receivedAt: 1 })
        .limit(10_000)
        .lean();
      if (pending.length === 0) {
        // A notice this read may have missed (persisted after it began) got no job of its own
        // while this processor was working (the scheduler skipped it): read again for it. The
        // check and the `end` in processConnector run in one step, so no notice falls between.
        // Counted as a round, so a clock that moved backwards cannot keep it reading.
        if ((activity?.lastAt(connectorId) ?? -Infinity) < readFrom) return requested;
        round += 1;
        continue;
      }
      // The clock that wrote receivedAt may be another instance's: settleUntil bounds the wait.
      const latest = Math.max(...pending.map((n) => n.receivedAt.getTime()));
      const wait = this.settleWait(latest, settleUntil);
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      round += 1;
      const covered = pending.map((n) => n._id);
      const deferred = await this.deps.deferredUntil?.(connectorId);
      if (deferred) {
        this.log.debug(
          { connectorId, dropped: pending.length, until: deferred },
          'change notices dropped: the connector backs off; its next successful run reads them',
        );
        await this.remove(connectorId, covered);
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
      await this.remove(connectorId, covered);
      settleUntil = this.settleDeadline();
    }
    this.log.info({ connectorId, requested }, 'notifications still arriving; processing later');
    return requested;
  }

  /**
   * When a round stops waiting for a burst to settle: between half and all of `maxSettleMs`
   * from now, at random. Connectors whose bursts began together (a receiver restarting, a
   * tenant-wide change) would otherwise all read, request and delete in the same instant, every
   * round.
   */
  private settleDeadline(): number {
    return Date.now() + this.maxSettleMs * (0.5 + Math.random() / 2);
  }

  /** How long to wait for a burst whose last notice came at `latest` to settle; 0: go. */
  private settleWait(latest: number | undefined, settleUntil: number): number {
    if (latest === undefined) return 0;
    const now = Date.now();
    if (now - latest >= this.settleMs || now >= settleUntil) return 0;
    return Math.min(this.settleMs - (now - latest), settleUntil - now);
  }

  /**
   * Exactly the notices read, in one statement. The `connectorId` condition is redundant for the
   * result but lets FerretDB (CI's database) skip other connectors' notices in SQL instead of
   * decoding every notice of every connector (see tools/ferretdb/_patches); one delete per id
   * was worse there, one write transaction each.
   */
  private async remove(connectorId: string, ids: NoticeId[]): Promise<void> {
    await this.deps.notices.deleteMany({ connectorId, _id: { $in: ids } });
  }

  /** Connectors with a notice at least `quietMs` old (the crash/lost-wake-up safety net). */
  async staleConnectorIds(quietMs: number): Promise<string[]> {
    const ids = await this.deps.notices.distinct('connectorId', {
      receivedAt: { $lte: new Date(Date.now() - quietMs) },
    });
    return ids.map(String);
  }
}

type NoticeId = ChangeNoticeRecord['_id'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
}
