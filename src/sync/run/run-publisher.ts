import type { Logger } from 'pino';
import type { SyncRunDoc } from '../../db/models/sync-run.model.js';
import { LiveTopic, type LiveEvents } from '../../events/live-events.js';

/** Publishes run progress for the `syncRunUpdated` subscription; never fails a run. */
export class RunPublisher {
  constructor(
    private readonly live: LiveEvents,
    private readonly logger: Logger,
  ) {}

  async updated(
    run: Pick<SyncRunDoc, '_id' | 'connectorId' | 'companyId' | 'partnerId'>,
  ): Promise<void> {
    try {
      await this.live.publish(LiveTopic.SYNC_RUN_UPDATED, {
        runId: run._id.toHexString(),
        connectorId: run.connectorId,
        companyId: run.companyId,
        partnerId: run.partnerId,
      });
    } catch (error) {
      this.logger.warn(
        { err: error, runId: run._id.toHexString() },
        'sync run update not published',
      );
    }
  }
}
