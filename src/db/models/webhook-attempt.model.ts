import { Schema, type Connection, type Model } from 'mongoose';

/** One HTTP attempt to deliver an event. Never holds a secret or a request header. */
export interface AttemptRecord {
  webhookId: string;
  type: string;
  /** The feed position of a directory event (null for operator and test events). */
  seq: number | null;
  /** 1 for the first attempt of this event at this endpoint. */
  attempt: number;
  at: Date;
  /** HTTP status, or null when no response came (refused target, timeout, network). */
  status: number | null;
  ok: boolean;
  latencyMs: number;
  /** Why it failed, in words (never the response body). */
  error: string | null;
  /** The first bytes of the response body, as text. */
  response: string | null;
  /** When it is tried again (null: delivered, or no more retries). */
  nextRetryAt: Date | null;
}

/**
 * An endpoint's attempt log, one document per delivery round (up to a window of events), numbered
 * per endpoint so the newest pages are read by `_id`. The oldest chunks are removed as new ones
 * are written (ATTEMPT_LOG_CHUNKS kept).
 */
export interface WebhookAttemptChunkDoc {
  /** `${endpointId}:${chunk, zero-padded}`. */
  _id: string;
  endpointId: string;
  chunk: number;
  attempts: AttemptRecord[];
  /** `attempts.length`, so the log's size is read without the attempts. */
  count?: number;
  createdAt: Date;
}

export const ATTEMPT_LOG_CHUNKS = 200;

export const attemptChunkId = (endpointId: string, chunk: number): string =>
  `${endpointId}:${String(chunk).padStart(10, '0')}`;

const schema = new Schema<WebhookAttemptChunkDoc>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    chunk: { type: Number, required: true },
    attempts: { type: Schema.Types.Mixed, default: () => [] },
    count: { type: Number },
    createdAt: { type: Date, default: () => new Date() },
  },
  { collection: 'webhook_attempts', versionKey: false },
);

schema.index({ endpointId: 1 });

export type WebhookAttemptChunkModel = Model<WebhookAttemptChunkDoc>;

export function webhookAttemptChunkModel(connection: Connection): WebhookAttemptChunkModel {
  return connection.model<WebhookAttemptChunkDoc>('WebhookAttemptChunk', schema);
}
