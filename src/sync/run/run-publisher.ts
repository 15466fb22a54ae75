import type { Logger } from 'pino';
import type { SyncRunDoc } from '../../db/models/sync-run.model.js';
import { LiveTopic, type LiveEvents } from '../../server/live-events.js';

type PublishedRun = Pick<SyncRunDoc, '_id' | 'connectorId' | 'companyId' | 'partnerId'> &
  Partial<
    Pick<SyncRunDoc, 'status' | 'trigger' | 'mode' | 'requestedAt' | 'startedAt' | 'finishedAt'>
  >;

/** Publishes run progress for the `syncRunUpdated` subscription; never fails a run. */
export class RunPublisher {
  constructor(
    private readonly live: LiveEvents,
    private readonly logger: Logger,
  ) {}

  /**
   * The event names the run; its state travels along, so listeners that only need the status
   * (the metrics collector on every instance) do not read the run back from the database.
   */
  async updated(run: PublishedRun): Promise<void> {
    try {
      await this.live.publish(LiveTopic.SYNC_RUN_UPDATED, {
        runId: run._id.toHexString(),
        connectorId: run.connectorId,
        companyId: run.companyId,
        partnerId: run.partnerId,
        ...(run.status
          ? {
              status: run.status,
              trigger: run.trigger,
              mode: run.mode,
              requestedAt: run.requestedAt ?? null,
              startedAt: run.startedAt ?? null,
              finishedAt: run.finishedAt ?? null,
            }
          : {}),
      });
    } catch (error) {
      this.logger.warn(
        { err: error, runId: run._id.toHexString() },
        'sync run update not published',
      );
    }
  }
}
