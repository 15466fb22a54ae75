import type { Logger } from 'pino';
import type { JobCursorModel } from '../db/models/job-cursor.model.js';
import { forEachLimit } from '../domain/concurrency.js';
import { isDueInWindow, offsetWithin } from './spread.js';

export interface SpreadDispatcherOptions {
  /** Names the cursor document; one per schedule. */
  key: string;
  /** Gives this schedule its own spread of connectors over the interval. */
  salt: string;
  intervalMs: number;
  /** The window of the very first tick (no cursor yet): one tick's worth, not a whole interval. */
  firstWindowMs: number;
  /**
   * After downtime, a tick covers at most this much: older slices are skipped rather than
   * replayed at once, so a restart of the fleet does not fire every connector together.
   */
  maxCatchUpMs: number;
  concurrency: number;
  cursors: JobCursorModel;
  /** Candidates for the window being dispatched (`to` lets a schedule filter by time). */
  listIds: (window: { from: Date; to: Date }) => Promise<string[]>;
  dispatch: (id: string) => Promise<void>;
  /** Connectors to leave out this tick because a sync of theirs is already running. */
  busyIds?: () => Promise<ReadonlySet<string>>;
  logger: Logger;
  now?: () => number;
}

export interface TickResult {
  /** False when another instance had already covered this window. */
  claimed: boolean;
  from: Date;
  to: Date;
  due: number;
  dispatched: number;
  skippedBusy: number;
  failed: number;
}

/**
 * Each connector has a stable offset in the interval; each tick dispatches the connectors whose
 * offset falls in the time elapsed since the previous tick, so load is even across the interval
 * and every connector comes up once per interval. The covered time is a cursor document advanced
 * with a conditional update BEFORE dispatching: two instances running the same tick (Agenda's
 * lock expired, or `every()` at another instance's boot cleared it) never dispatch a window twice.
 */
export class SpreadDispatcher {
  private readonly inFlight = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: SpreadDispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  async tick(): Promise<TickResult> {
    const { cursors, key, intervalMs, salt } = this.options;
    const to = this.now();
    const cursor = await cursors.findById(key).lean();
    const previous = cursor ? cursor.coveredUntil.getTime() : to - this.options.firstWindowMs;
    const from = Math.max(previous, to - this.options.maxCatchUpMs);
    const result: TickResult = {
      claimed: false,
      from: new Date(from),
      to: new Date(to),
      due: 0,
      dispatched: 0,
      skippedBusy: 0,
      failed: 0,
    };
    if (to <= from || !(await this.claim(cursor?.coveredUntil, new Date(to)))) return result;
    result.claimed = true;

    const ids = await this.options.listIds({ from: result.from, to: result.to });
    const due = ids.filter((id) =>
      isDueInWindow(offsetWithin(id, intervalMs, salt), from, to, intervalMs),
    );
    result.due = due.length;
    const busy = due.length > 0 ? await this.options.busyIds?.() : undefined;
    await forEachLimit(due, this.options.concurrency, async (id) => {
      if (this.inFlight.has(id) || busy?.has(id)) {
        result.skippedBusy += 1;
        return;
      }
      this.inFlight.add(id);
      try {
        await this.options.dispatch(id);
        result.dispatched += 1;
      } catch (error) {
        result.failed += 1;
        this.options.logger.warn({ connectorId: id, err: error, schedule: key }, 'dispatch failed');
      } finally {
        this.inFlight.delete(id);
      }
    });
    return result;
  }

  private async claim(previous: Date | undefined, to: Date): Promise<boolean> {
    const { cursors, key } = this.options;
    if (previous) {
      const moved = await cursors.updateOne(
        { _id: key, coveredUntil: previous },
        { $set: { coveredUntil: to } },
      );
      return moved.modifiedCount === 1;
    }
    try {
      await cursors.create({ _id: key, coveredUntil: to });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }
}
