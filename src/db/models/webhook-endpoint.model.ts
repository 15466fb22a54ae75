import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { SealedSecret } from '../../crypto/secret-box.js';

/** A signing secret: sealed at rest; the first one is current, later ones are in their grace. */
export interface EndpointSecret {
  sealed: SealedSecret;
  createdAt: Date;
  /** Null for the current secret; a rotated-out one signs too until this time. */
  expiresAt: Date | null;
}

/** The endpoint as a whole is failing (nothing it was sent succeeded): retried from its cursor. */
export interface EndpointFailure {
  since: Date;
  attempts: number;
  retryAt: Date;
  lastError: string;
}

/**
 * Where a company's events go (Standard Webhooks receiver), and its delivery state: the feed
 * position every event up to which is delivered or parked for retry (`cursor`), the lease of the
 * instance delivering to it now, and its failure streak. Written by `_id` only.
 */
export interface WebhookEndpointDoc {
  _id: Types.ObjectId;
  companyId: string;
  partnerId: string;
  url: string;
  description: string;
  /** Empty: every event type. */
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  secrets: EndpointSecret[];
  cursor: number;
  lease: { owner: string; until: Date } | null;
  failing: EndpointFailure | null;
  /** The earliest parked delivery that is due (null: none parked). */
  nextRetryAt: Date | null;
  /** The newest chunk of its attempt log (webhook-attempt.model.ts). */
  logChunk: number;
  lastSuccessAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<WebhookEndpointDoc>(
  {
    companyId: { type: String, required: true },
    partnerId: { type: String, required: true },
    url: { type: String, required: true },
    description: { type: String, default: '' },
    eventTypes: { type: [String], default: [] },
    enabled: { type: Boolean, default: true },
    disabledReason: { type: String, default: null },
    disabledAt: { type: Date, default: null },
    secrets: { type: Schema.Types.Mixed, default: () => [] },
    cursor: { type: Number, default: 0 },
    lease: { type: Schema.Types.Mixed, default: null },
    failing: { type: Schema.Types.Mixed, default: null },
    nextRetryAt: { type: Date, default: null },
    logChunk: { type: Number, default: 0 },
    lastSuccessAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'webhook_endpoints', minimize: false },
);

schema.index({ companyId: 1 });

export type WebhookEndpointModel = Model<WebhookEndpointDoc>;

export function webhookEndpointModel(connection: Connection): WebhookEndpointModel {
  return connection.model<WebhookEndpointDoc>('WebhookEndpoint', schema);
}
