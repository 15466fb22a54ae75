import { Schema, type Connection, type Model } from 'mongoose';
import type { Packed } from './packed.js';

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
 * An attempt as stored: what most attempts share is left out (a first attempt, delivered, at the
 * chunk's time, with no error, response or retry), so a round of a thousand deliveries writes
 * a third of the fields. Chunks written before this form hold whole records, which read the same.
 */
export type StoredAttempt = Partial<AttemptRecord> & Pick<AttemptRecord, 'webhookId' | 'type'>;

/** The stored form of `record` in a chunk whose attempts happened at `at` unless they say so. */
export function storedAttempt(record: AttemptRecord, at: Date): StoredAttempt {
  const stored: StoredAttempt = { webhookId: record.webhookId, type: record.type };
  if (record.seq !== null) stored.seq = record.seq;
  if (record.attempt !== 1) stored.attempt = record.attempt;
  if (record.at.getTime() !== at.getTime()) stored.at = record.at;
  stored.status = record.status;
  if (!record.ok) stored.ok = false;
  stored.latencyMs = record.latencyMs;
  if (record.error !== null) stored.error = record.error;
  if (record.response !== null) stored.response = record.response;
  if (record.nextRetryAt !== null) stored.nextRetryAt = record.nextRetryAt;
  return stored;
}

export function attemptRecord(stored: StoredAttempt, at: Date): AttemptRecord {
  return {
    webhookId: stored.webhookId,
    type: stored.type,
    seq: stored.seq ?? null,
    attempt: stored.attempt ?? 1,
    at: stored.at ?? at,
    status: stored.status ?? null,
    ok: stored.ok ?? true,
    latencyMs: stored.latencyMs ?? 0,
    error: stored.error ?? null,
    response: stored.response ?? null,
    nextRetryAt: stored.nextRetryAt ?? null,
  };
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
  /** Packed (packed.ts); chunks written before hold an array. */
  attempts: Packed<StoredAttempt>;
  /** `attempts.length`, so the log's size is read without the attempts. */
  count?: number;
  /** When the attempts happened, unless one says otherwise (absent in older chunks). */
  at?: Date;
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
    at: { type: Date },
    createdAt: { type: Date, default: () => new Date() },
  },
  { collection: 'webhook_attempts', versionKey: false },
);

schema.index({ endpointId: 1 });

export type WebhookAttemptChunkModel = Model<WebhookAttemptChunkDoc>;

export function webhookAttemptChunkModel(connection: Connection): WebhookAttemptChunkModel {
  return connection.model<WebhookAttemptChunkDoc>('WebhookAttemptChunk', schema);
}
