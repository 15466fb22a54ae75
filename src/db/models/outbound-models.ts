import type { Connection } from 'mongoose';
import { feedEntryModel, type FeedEntryModel } from './feed-entry.model.js';
import { feedHeadModel, type FeedHeadModel } from './feed-head.model.js';
import {
  webhookAttemptChunkModel,
  type WebhookAttemptChunkModel,
} from './webhook-attempt.model.js';
import { webhookDeliveryModel, type WebhookDeliveryModel } from './webhook-delivery.model.js';
import { webhookEndpointModel, type WebhookEndpointModel } from './webhook-endpoint.model.js';

/** The change feed and the outbound webhooks' collections. */
export interface OutboundModels {
  FeedEntry: FeedEntryModel;
  FeedHead: FeedHeadModel;
  WebhookEndpoint: WebhookEndpointModel;
  WebhookDelivery: WebhookDeliveryModel;
  WebhookAttemptChunk: WebhookAttemptChunkModel;
}

/** Compiles (or reuses) the models on a connection. */
export function outboundModels(connection: Connection): OutboundModels {
  const reuse = <T>(name: string, make: (c: Connection) => T): T =>
    (connection.models[name] as T | undefined) ?? make(connection);
  return {
    FeedEntry: reuse('FeedEntry', feedEntryModel),
    FeedHead: reuse('FeedHead', feedHeadModel),
    WebhookEndpoint: reuse('WebhookEndpoint', webhookEndpointModel),
    WebhookDelivery: reuse('WebhookDelivery', webhookDeliveryModel),
    WebhookAttemptChunk: reuse('WebhookAttemptChunk', webhookAttemptChunkModel),
  };
}
