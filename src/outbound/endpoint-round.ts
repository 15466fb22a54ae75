import type { AttemptRecord } from '../db/models/webhook-attempt.model.js';
import { ParkedState, type WebhookDeliveryDoc } from '../db/models/webhook-delivery.model.js';
import type { EndpointFailure, WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import { nextAttemptAt, retryWindowOver } from './backoff.js';
import type { DeliveryContext } from './delivery-context.js';
import type { OutboundMessage } from './messages.js';
import { messageOf, parkedDoc } from './parked-deliveries.js';
import { sendInOrder, type Sent } from './ordered-send.js';
import type { AttemptOutcome } from './webhook-sender.js';
import type { EndpointSigner } from './webhook-signer.js';

/** Feed entries read per round. */
export const WINDOW = 500;
/** Past this many parked deliveries an endpoint reads no further into the feed until they drain. */
export const PARK_LIMIT = 1_000;

export type RoundResult = 'more' | 'idle' | 'lost' | 'stopped';

/**
 * One delivery round of one endpoint, by the instance holding its lease: due retries of parked
 * deliveries first, then the next window of the feed. Within a round, events of different users
 * go in parallel and one user's events one after the other; an event that fails is parked (with
 * the rest of its user's events behind it) when others got through, while a round where nothing
 * got through means the receiver is down: nothing is parked, the position stays, and the endpoint
 * backs off as a whole. The position moves only after everything before it is delivered or
 * parked, so a killed instance's successor sends again from there (same `webhook-id`).
 */
export class EndpointRound {
  private readonly id: string;
  private readonly now: number;
  private readonly log: AttemptRecord[] = [];
  private readonly newlyParked: WebhookDeliveryDoc[] = [];
  private disabled: string | null = null;
  private delivered = 0;

  constructor(
    private readonly ctx: DeliveryContext,
    private readonly ep: WebhookEndpointDoc,
    private readonly signer: EndpointSigner,
  ) {
    this.id = ep._id.toHexString();
    this.now = ctx.clock();
  }

  async run(): Promise<RoundResult> {
    const parked = await this.ctx.parked.load(this.id);
    const remaining = await this.retryParked(parked);
    let cursor = this.ep.cursor;
    let failing = this.ep.failing;
    let more = remaining.some((doc) => doc.state === ParkedState.WAITING);
    const dueWindow = !failing || failing.retryAt.getTime() <= this.now;
    if (!this.disabled && remaining.length < PARK_LIMIT && dueWindow) {
      const outcome = await this.feedWindow(remaining, failing);
      if (outcome) ({ cursor, failing } = outcome);
      more ||= !!outcome?.more;
    }
    if (this.disabled) {
      await this.saveLog(true);
      await this.ctx.disable(this.ep, this.disabled);
      return 'stopped';
    }
    if (this.delivered > 0 && failing === this.ep.failing) failing = null;
    const saved = await this.save(cursor, failing, [...remaining, ...this.newlyParked]);
    return !saved ? 'lost' : more ? 'more' : 'idle';
  }

  /** Due parked deliveries, per user in order; returns the ones still parked. */
  private async retryParked(parked: WebhookDeliveryDoc[]): Promise<WebhookDeliveryDoc[]> {
    if (parked.length === 0) return [];
    const remaining: WebhookDeliveryDoc[] = [];
    const byKey = groupByKey(parked, (doc) => doc.orderKey);
    await this.ctx.pool([...byKey.values()], async (docs) => {
      let index = 0;
      for (; index < docs.length && !this.disabled; index += 1) {
        const doc = docs[index]!;
        if (doc.state === ParkedState.RETRYING && doc.nextAttemptAt.getTime() > this.now) break;
        const attempt = doc.attempts + 1;
        const outcome = await this.attempt(messageOf(doc));
        if (outcome.kind === 'delivered') {
          this.record(messageOf(doc), attempt, outcome, null);
          await this.ctx.parked.delivered(doc._id);
          continue;
        }
        if (outcome.kind === 'gone') {
          this.gone(messageOf(doc), attempt, outcome);
          break;
        }
        const first = doc.firstAttemptAt?.getTime() ?? this.now;
        if (doc.maxAttempts !== null && attempt >= doc.maxAttempts) {
          this.record(messageOf(doc), attempt, outcome, null);
          await this.ctx.parked.delivered(doc._id);
          continue;
        }
        if (retryWindowOver(first, this.now, this.ctx.settings.retry.windowMs)) {
          this.record(messageOf(doc), attempt, outcome, null);
          this.disabled = `An event (${doc.type}, ${doc.webhookId}) failed for longer than the retry window: ${outcome.error}`;
          break;
        }
        const next = new Date(
          nextAttemptAt(
            this.now,
            attempt,
            this.ctx.settings.retry,
            outcome.retryAfterMs,
            this.ctx.random,
          ),
        );
        this.record(messageOf(doc), attempt, outcome, next);
        Object.assign(doc, {
          attempts: attempt,
          firstAttemptAt: new Date(first),
          nextAttemptAt: next,
          lastStatus: outcome.status,
          lastError: outcome.error,
          state: ParkedState.RETRYING,
        });
        await this.ctx.parked.failed(doc._id, doc);
        break;
      }
      remaining.push(...docs.slice(index));
    });
    return remaining;
  }

  /** The next window of the feed; null when nothing was read. */
  private async feedWindow(
    parked: readonly WebhookDeliveryDoc[],
    failing: EndpointFailure | null,
  ): Promise<{ cursor: number; failing: EndpointFailure | null; more: boolean } | null> {
    const window = await this.ctx.windows.window(this.ep.companyId, this.ep.cursor, WINDOW);
    if (window.lastSeq <= this.ep.cursor) return null;
    const types = this.ep.eventTypes;
    let messages = window.messages.filter((m) => types.length === 0 || types.includes(m.type));
    let end = window.lastSeq;
    const blocked = new Set(parked.map((doc) => doc.orderKey));
    if (failing) {
      // The receiver was down: one event probes it before the window is sent again.
      const probe = messages.findIndex((m) => !blocked.has(m.orderKey));
      if (probe >= 0) {
        messages = messages.slice(0, probe + 1);
        end = messages[probe]!.seq!;
      }
    }
    const sent = await sendInOrder(messages, blocked, this.ctx.pool, (m) => this.attempt(m));
    for (const { message, outcome } of sent.attempts) {
      if (outcome.kind === 'gone') this.gone(message, 1, outcome);
      else if (outcome.kind === 'delivered') this.record(message, 1, outcome, null);
    }
    if (this.disabled) return null;
    if (sent.delivered === 0 && sent.failed.length > 0) {
      return {
        cursor: this.ep.cursor,
        failing: this.endpointFailed(sent.failed, failing),
        more: false,
      };
    }
    this.park(sent.failed, sent.waiting);
    return { cursor: end, failing, more: end < window.committed };
  }

  /** Nothing got through: the endpoint backs off as a whole, from the same position. */
  private endpointFailed(failed: readonly Sent[], failing: EndpointFailure | null) {
    const attempts = (failing?.attempts ?? 0) + 1;
    const since = failing?.since.getTime() ?? this.now;
    const last = failed[failed.length - 1]!.outcome as Extract<AttemptOutcome, { kind: 'failed' }>;
    if (retryWindowOver(since, this.now, this.ctx.settings.retry.windowMs)) {
      this.disabled = `Every delivery failed for longer than the retry window: ${last.error}`;
    }
    const retryAfter = Math.max(
      ...failed.map(({ outcome }) => (outcome.kind === 'failed' ? (outcome.retryAfterMs ?? 0) : 0)),
    );
    const retryAt = new Date(
      nextAttemptAt(this.now, attempts, this.ctx.settings.retry, retryAfter, this.ctx.random),
    );
    for (const { message, outcome } of failed) {
      this.record(message, (failing?.attempts ?? 0) + 1, outcome, this.disabled ? null : retryAt);
    }
    return { since: new Date(since), attempts, retryAt, lastError: last.error };
  }

  /** Failed events retry on their own; the later events of their users wait behind them. */
  private park(failed: readonly Sent[], waiting: readonly OutboundMessage[]): void {
    for (const { message, outcome } of failed) {
      if (outcome.kind !== 'failed') continue;
      const next = new Date(
        nextAttemptAt(this.now, 1, this.ctx.settings.retry, outcome.retryAfterMs, this.ctx.random),
      );
      this.record(message, 1, outcome, next);
      this.newlyParked.push(
        parkedDoc(this.id, message, ParkedState.RETRYING, next, {
          attempts: 1,
          at: new Date(this.now),
          status: outcome.status,
          error: outcome.error,
        }),
      );
    }
    for (const message of waiting) {
      this.newlyParked.push(
        parkedDoc(this.id, message, ParkedState.WAITING, new Date(this.now), null),
      );
    }
  }

  private attempt(message: OutboundMessage): Promise<AttemptOutcome> {
    return this.ctx.sender.send(this.id, this.ep.url, message, (at) =>
      this.signer.sign(message.webhookId, at, message.body),
    );
  }

  private gone(message: OutboundMessage, attempt: number, outcome: AttemptOutcome): void {
    this.record(message, attempt, outcome, null);
    this.disabled = 'The receiver answered 410 Gone: it wants no more webhooks.';
  }

  private record(
    message: OutboundMessage,
    attempt: number,
    outcome: AttemptOutcome,
    nextRetryAt: Date | null,
  ): void {
    if (outcome.kind === 'delivered') this.delivered += 1;
    this.log.push({
      webhookId: message.webhookId,
      type: message.type,
      seq: message.seq,
      attempt,
      at: new Date(this.now),
      status: outcome.status,
      ok: outcome.kind === 'delivered',
      latencyMs: outcome.latencyMs,
      error: outcome.kind === 'failed' ? outcome.error : null,
      response: outcome.response,
      nextRetryAt,
    });
  }

  /** The parked deliveries and the attempts of this round; returns the log chunk written. */
  private async saveLog(recordChunk: boolean): Promise<number | null> {
    await this.ctx.parked.park(this.newlyParked);
    const chunk = await this.ctx.attempts.append(this.id, this.log, this.ep.logChunk);
    if (recordChunk && chunk !== null) {
      await this.ctx.models.WebhookEndpoint.updateOne(
        { _id: this.ep._id },
        { $max: { logChunk: chunk } },
      );
    }
    return chunk;
  }

  /** Parked first, then the log, then the position: a crash in between sends again, never skips. */
  private async save(
    cursor: number,
    failing: EndpointFailure | null,
    parked: readonly WebhookDeliveryDoc[],
  ): Promise<boolean> {
    const chunk = await this.saveLog(false);
    const due = parked.map((doc) => doc.nextAttemptAt.getTime());
    const result = await this.ctx.models.WebhookEndpoint.updateOne(
      { _id: this.ep._id, 'lease.owner': this.ctx.owner, cursor: this.ep.cursor },
      {
        $set: {
          cursor,
          failing,
          nextRetryAt: due.length > 0 ? new Date(Math.min(...due)) : null,
          'lease.until': new Date(this.now + this.ctx.settings.leaseTtlMs),
          ...(this.delivered > 0 ? { lastSuccessAt: new Date(this.now) } : {}),
        },
        ...(chunk !== null ? { $max: { logChunk: chunk } } : {}),
      },
    );
    return result.matchedCount === 1;
  }
}

function groupByKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}
