import {
  ParkedState,
  type WebhookDeliveryDoc,
  type WebhookDeliveryModel,
} from '../db/models/webhook-delivery.model.js';
import type { OutboundMessage } from './messages.js';

/** The id of a parked delivery: one per event and endpoint, whoever parks it. */
export function parkedId(endpointId: string, message: OutboundMessage): string {
  return message.seq === null
    ? `${endpointId}:op:${message.webhookId}`
    : `${endpointId}:${message.seq}`;
}

export function parkedDoc(
  endpointId: string,
  message: OutboundMessage,
  state: ParkedState,
  nextAttemptAt: Date,
  failure: { attempts: number; at: Date; status: number | null; error: string } | null,
  maxAttempts: number | null = null,
): WebhookDeliveryDoc {
  return {
    _id: parkedId(endpointId, message),
    endpointId,
    orderKey: message.orderKey,
    order: message.order,
    seq: message.seq,
    webhookId: message.webhookId,
    type: message.type,
    body: message.body,
    state,
    attempts: failure?.attempts ?? 0,
    maxAttempts,
    firstAttemptAt: failure?.at ?? null,
    nextAttemptAt,
    lastStatus: failure?.status ?? null,
    lastError: failure?.error ?? null,
    createdAt: new Date(),
  };
}

export function messageOf(doc: WebhookDeliveryDoc): OutboundMessage {
  return {
    webhookId: doc.webhookId,
    type: doc.type,
    body: doc.body,
    orderKey: doc.orderKey,
    order: doc.order,
    seq: doc.seq,
  };
}

/** An endpoint's parked deliveries (usually none): read by `endpointId`, written by `_id`. */
export class ParkedDeliveries {
  constructor(private readonly model: WebhookDeliveryModel) {}

  async load(endpointId: string): Promise<WebhookDeliveryDoc[]> {
    const docs = await this.model.find({ endpointId }).lean<WebhookDeliveryDoc[]>();
    return docs.sort((a, b) => a.order - b.order || a._id.localeCompare(b._id));
  }

  /** Stores new ones; one already parked (by another instance, or before a crash) is kept. */
  async park(docs: readonly WebhookDeliveryDoc[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.model.insertMany(docs, { ordered: false, lean: true });
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  }

  async delivered(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id });
  }

  async failed(
    id: string,
    update: Pick<
      WebhookDeliveryDoc,
      'attempts' | 'nextAttemptAt' | 'lastStatus' | 'lastError' | 'firstAttemptAt'
    >,
  ): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { ...update, state: ParkedState.RETRYING } });
  }

  /** Replay from a position: the feed events after it are read again from the feed. */
  async forgetFeedEventsAfter(endpointId: string, seq: number): Promise<number> {
    const docs = await this.model.find({ endpointId }, { _id: 1, seq: 1 }).lean();
    const ids = docs.filter((d) => d.seq !== null && d.seq > seq).map((d) => d._id);
    if (ids.length === 0) return 0;
    return (await this.model.deleteMany({ _id: { $in: ids } })).deletedCount;
  }

  async removeAll(endpointId: string): Promise<void> {
    await this.model.deleteMany({ endpointId });
  }
}

function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 && list.every((e) => (e as { code?: number }).code === 11000);
}
