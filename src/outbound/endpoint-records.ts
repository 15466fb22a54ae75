import type { AttemptRecord } from '../db/models/webhook-attempt.model.js';
import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import { encodeFeedCursor } from '../domain/directory-event.js';

/** A webhook endpoint as the API shows it: never a secret, only when the current one was made. */
export interface WebhookEndpointRecord {
  id: string;
  companyId: string;
  url: string;
  description: string;
  /** Empty: every event type. */
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  /** The feed position up to which every event is delivered or parked for retry. */
  cursor: string | null;
  secretCreatedAt: Date;
  /** While a rotated-out secret still signs. */
  previousSecretExpiresAt: Date | null;
  lastSuccessAt: Date | null;
  /** The receiver has failed every attempt since (null: not failing as a whole). */
  failingSince: Date | null;
  /** When the endpoint (or its earliest parked delivery) is tried again. */
  nextRetryAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A page of a list, in the shape every list of the API takes (graphql/connection.ts). */
export interface WebhookPage<R> {
  nodes: R[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export interface WebhookAttemptView extends AttemptRecord {
  /** Position in the endpoint's attempt log (for paging). */
  cursor: string;
}

export function endpointRecord(doc: WebhookEndpointDoc): WebhookEndpointRecord {
  const previous = doc.secrets[1];
  const retries = [doc.failing?.retryAt, doc.nextRetryAt].filter((d): d is Date => !!d);
  return {
    id: doc._id.toHexString(),
    companyId: doc.companyId,
    url: doc.url,
    description: doc.description,
    eventTypes: [...doc.eventTypes],
    enabled: doc.enabled,
    disabledReason: doc.disabledReason,
    disabledAt: doc.disabledAt,
    cursor: doc.cursor > 0 ? encodeFeedCursor(doc.cursor) : null,
    secretCreatedAt: doc.secrets[0]?.createdAt ?? doc.createdAt,
    previousSecretExpiresAt: previous?.expiresAt ?? null,
    lastSuccessAt: doc.lastSuccessAt,
    failingSince: doc.failing?.since ?? null,
    nextRetryAt: retries.length > 0 ? new Date(Math.min(...retries.map((d) => d.getTime()))) : null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
