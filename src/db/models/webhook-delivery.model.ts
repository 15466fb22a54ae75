import { Schema, type Connection, type Model } from 'mongoose';

export enum ParkedState {
  /** Attempted and failed: retried at `nextAttemptAt` with exponential backoff. */
  RETRYING = 'RETRYING',
  /** Not attempted yet: an earlier event of the same user (order key) is still retrying. */
  WAITING = 'WAITING',
}

/**
 * A delivery that could not go in feed order: a feed event that failed while others to the same
 * endpoint succeeded (and the later events of its user, which wait behind it), or an operator
 * event. Only these get a document; events delivered at the first attempt never do. Found by
 * `endpointId` (one indexed string field).
 */
export interface WebhookDeliveryDoc {
  /** `${endpointId}:${seq}` for feed events, `${endpointId}:op:${eventId}` for the others. */
  _id: string;
  endpointId: string;
  /** Deliveries of one key go one at a time, in `order` (feed seq, or the event time). */
  orderKey: string;
  order: number;
  /** The feed position (null for operator events). */
  seq: number | null;
  webhookId: string;
  type: string;
  /** The payload exactly as it is signed and sent. */
  body: string;
  state: ParkedState;
  attempts: number;
  /** At most this many attempts (1 for a test event); null: until the retry window ends. */
  maxAttempts: number | null;
  firstAttemptAt: Date | null;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

const schema = new Schema<WebhookDeliveryDoc>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    orderKey: { type: String, required: true },
    order: { type: Number, required: true },
    seq: { type: Number, default: null },
    webhookId: { type: String, required: true },
    type: { type: String, required: true },
    body: { type: String, required: true },
    state: { type: String, enum: Object.values(ParkedState), required: true },
    attempts: { type: Number, default: 0 },
    maxAttempts: { type: Number, default: null },
    firstAttemptAt: { type: Date, default: null },
    nextAttemptAt: { type: Date, required: true },
    lastStatus: { type: Number, default: null },
    lastError: { type: String, default: null },
    createdAt: { type: Date, default: () => new Date() },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);

schema.index({ endpointId: 1 });

export type WebhookDeliveryModel = Model<WebhookDeliveryDoc>;

export function webhookDeliveryModel(connection: Connection): WebhookDeliveryModel {
  return connection.model<WebhookDeliveryDoc>('WebhookDelivery', schema);
}
