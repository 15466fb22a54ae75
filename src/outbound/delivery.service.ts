import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AttemptRecord } from '../db/models/webhook-attempt.model.js';
import type { OutboundModels } from '../db/models/outbound-models.js';
import type { Caller } from '../domain/caller.js';
import { OperatorEventType, decodeFeedCursor } from '../domain/directory-event.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import type { FeedStore } from '../feed/feed-store.js';
import { decodePosition, type AttemptLog } from './attempt-log.js';
import {
  endpointRecord,
  type WebhookAttemptView,
  type WebhookEndpointRecord,
  type WebhookPage,
} from './endpoint-records.js';
import type { WebhookEndpointService } from './endpoint.service.js';
import { operatorMessage } from './messages.js';
import type { ParkedDeliveries } from './parked-deliveries.js';
import type { SignerCache } from './signer-cache.js';
import type { WebhookSender } from './webhook-sender.js';

const MAX_PAGE = 500;

export interface DeliveryServiceDeps {
  models: Pick<OutboundModels, 'WebhookEndpoint'>;
  endpoints: WebhookEndpointService;
  store: FeedStore;
  attempts: AttemptLog;
  parked: ParkedDeliveries;
  sender: WebhookSender;
  signers: SignerCache;
  /** Hands an endpoint to this instance's dispatcher (after a replay). */
  wake: (endpointId: string) => void;
  clock: () => number;
  logger: Logger;
}

/** `sendTestWebhook`, `webhookDeliveries` and `replayWebhookDeliveries`. */
export class WebhookDeliveryService {
  constructor(private readonly deps: DeliveryServiceDeps) {}

  /** One signed `webhook.test` event, sent now; the attempt is logged and returned (no retry). */
  async sendTest(caller: Caller, endpointId: string): Promise<AttemptRecord> {
    const ep = await this.deps.endpoints.inScope(caller, endpointId);
    const at = new Date(this.deps.clock());
    const message = operatorMessage(OperatorEventType.TEST, randomUUID(), 'test', at, {
      companyId: ep.companyId,
      endpointId,
      message: 'A test event from the Entra connector hub.',
    });
    const signer = this.deps.signers.for(ep, at.getTime());
    const outcome = await this.deps.sender.send(endpointId, ep.url, message, (when) =>
      signer.sign(message.webhookId, when, message.body),
    );
    const attempt: AttemptRecord = {
      webhookId: message.webhookId,
      type: message.type,
      seq: null,
      attempt: 1,
      at,
      status: outcome.status,
      ok: outcome.kind === 'delivered',
      latencyMs: outcome.latencyMs,
      error: outcome.kind === 'failed' ? outcome.error : null,
      response: outcome.response,
      nextRetryAt: null,
    };
    await this.deps.attempts.append(endpointId, [attempt], null);
    return attempt;
  }

  async deliveries(
    caller: Caller,
    endpointId: string,
    first: number,
    after?: string | null,
  ): Promise<WebhookPage<WebhookAttemptView>> {
    const ep = await this.deps.endpoints.inScope(caller, endpointId);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw badInput('first', `must be between 1 and ${MAX_PAGE}`);
    }
    if (after && !decodePosition(after))
      throw badInput('after', 'not a cursor from a previous page');
    const page = await this.deps.attempts.page(endpointId, ep.logChunk, first, after ?? null);
    return {
      nodes: page.attempts,
      cursors: page.attempts.map((attempt) => attempt.cursor),
      hasNextPage: page.hasNextPage,
      endCursor: page.endCursor,
      totalCount: page.totalCount,
    };
  }

  /**
   * Delivers again every event after `fromCursor` (null: from the oldest kept), with the same
   * `webhook-id`s: the endpoint's position moves there, and parked deliveries after it are read
   * from the feed again instead. A later position skips what lies between.
   */
  async replay(
    caller: Caller,
    endpointId: string,
    fromCursor?: string | null,
  ): Promise<WebhookEndpointRecord> {
    const ep = await this.deps.endpoints.inScope(caller, endpointId);
    const seq = fromCursor ? decodeFeedCursor(fromCursor) : 0;
    if (seq === null) throw badInput('fromCursor', 'not a cursor of this change feed');
    const head = await this.deps.store.head(ep.companyId);
    if (seq > head.committed) throw badInput('fromCursor', 'is past the end of the change feed');
    const position = Math.max(seq, head.trimmed);
    await this.deps.parked.forgetFeedEventsAfter(endpointId, position);
    const doc = await this.deps.models.WebhookEndpoint.findOneAndUpdate(
      { _id: ep._id },
      { $set: { cursor: position, failing: null } },
      { returnDocument: 'after' },
    ).lean();
    this.deps.logger.info({ endpointId, from: position, to: head.committed }, 'webhook replay');
    if (doc?.enabled) this.deps.wake(endpointId);
    return endpointRecord(doc ?? ep);
  }
}

function badInput(field: string, message: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { details: { field } });
}
