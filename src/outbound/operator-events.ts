import type { Logger } from 'pino';
import type { OutboundModels } from '../db/models/outbound-models.js';
import { ParkedState } from '../db/models/webhook-delivery.model.js';
import type { SyncModels } from '../db/models/sync-models.js';
import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import { OperatorEventType } from '../domain/directory-event.js';
import { SyncRunStatus } from '../domain/sync-run.js';
import { LiveTopic, type LiveEvents } from '../events/live-events.js';
import { operatorMessage, type OutboundMessage } from './messages.js';
import { parkedDoc, type ParkedDeliveries } from './parked-deliveries.js';

export interface OperatorEventsDeps {
  models: Pick<OutboundModels, 'WebhookEndpoint'> & Pick<SyncModels, 'SyncRun'>;
  live: LiveEvents;
  parked: ParkedDeliveries;
  /** Hands the endpoint to the dispatcher (its parked event is due now). */
  wake: (endpointId: string) => void;
  clock: () => number;
  logger: Logger;
}

/**
 * `connector.status_changed`, `sync_run.needs_approval` and `webhook.endpoint_disabled`: events
 * for operators, outside the directory feed (not replayable from a cursor). They come from the
 * live events every instance hears; each becomes a parked delivery per subscribed endpoint under
 * an id derived from the occurrence, so the instances that all hear it store it once.
 */
export class OperatorEvents {
  private readonly subscriptions: AsyncIterableIterator<unknown>[] = [];

  constructor(private readonly deps: OperatorEventsDeps) {}

  start(): void {
    const status = this.deps.live.subscribe(LiveTopic.CONNECTOR_STATUS_CHANGED);
    const runs = this.deps.live.subscribe(LiveTopic.SYNC_RUN_UPDATED);
    this.subscriptions.push(status, runs);
    this.pump(status, async (event) => {
      const at = new Date(event.changedAt);
      await this.emit(
        event.companyId,
        operatorMessage(
          OperatorEventType.CONNECTOR_STATUS_CHANGED,
          `${event.connectorId}:${at.toISOString()}:${event.status ?? ''}`,
          `connector:${event.connectorId}`,
          at,
          {
            companyId: event.companyId,
            connectorId: event.connectorId,
            status: event.status,
            previousStatus: event.previousStatus,
            statusReason: event.statusReason,
          },
        ),
      );
    });
    this.pump(runs, async (event) => {
      const run = await this.deps.models.SyncRun.findById(event.runId).lean();
      if (run?.status !== SyncRunStatus.NEEDS_APPROVAL || !run.finishedAt) return;
      await this.emit(
        run.companyId,
        operatorMessage(
          OperatorEventType.SYNC_RUN_NEEDS_APPROVAL,
          event.runId,
          `connector:${run.connectorId}`,
          run.finishedAt,
          {
            companyId: run.companyId,
            connectorId: run.connectorId,
            runId: event.runId,
            staged: run.counts?.staged ?? 0,
            notes: run.notes ?? [],
          },
        ),
      );
    });
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) await subscription.return?.();
  }

  /** Tells the company's other endpoints that one was turned off, and why. */
  async endpointDisabled(ep: WebhookEndpointDoc, reason: string, at: Date): Promise<void> {
    const id = ep._id.toHexString();
    await this.emit(
      ep.companyId,
      operatorMessage(
        OperatorEventType.ENDPOINT_DISABLED,
        `${id}:${at.toISOString()}`,
        `endpoint:${id}`,
        at,
        {
          companyId: ep.companyId,
          endpointId: id,
          url: ep.url,
          reason,
        },
      ),
      id,
    );
  }

  /** Parks the event for every enabled endpoint of the company that subscribed to its type. */
  async emit(
    companyId: string,
    message: OutboundMessage,
    exceptEndpointId?: string,
  ): Promise<void> {
    const endpoints = await this.deps.models.WebhookEndpoint.find(
      { companyId, enabled: true },
      { eventTypes: 1 },
    ).lean();
    const now = new Date(this.deps.clock());
    const targets = endpoints.filter(
      (ep) =>
        ep._id.toHexString() !== exceptEndpointId &&
        (ep.eventTypes.length === 0 || ep.eventTypes.includes(message.type)),
    );
    await this.deps.parked.park(
      targets.map((ep) =>
        parkedDoc(ep._id.toHexString(), message, ParkedState.RETRYING, now, null),
      ),
    );
    for (const ep of targets) {
      await this.deps.models.WebhookEndpoint.updateOne(
        { _id: ep._id, $or: [{ nextRetryAt: null }, { nextRetryAt: { $gt: now } }] },
        { $set: { nextRetryAt: now } },
      );
      this.deps.wake(ep._id.toHexString());
    }
  }

  private pump<T>(events: AsyncIterableIterator<T>, handle: (event: T) => Promise<void>): void {
    void (async () => {
      for await (const event of events) {
        await handle(event).catch((error: unknown) =>
          this.deps.logger.warn({ err: error }, 'operator webhook event not queued'),
        );
      }
    })();
  }
}
