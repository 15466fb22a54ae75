import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One Microsoft Graph change-notification subscription the hub holds for a connector. The
 * clientState itself is never stored: only its SHA-256, which is all the receiver needs to check
 * a notification (renewals and reauthorization do not resend it).
 */
export interface GraphSubscriptionRecord {
  /** The subscription id Graph assigned. */
  _id: string;
  connectorId: string;
  tenantId: string;
  /** `/users`, `/groups/{id}`. */
  resource: string;
  changeType: string;
  /** Hex SHA-256 of the clientState sent to Graph. */
  clientStateHash: string;
  expiresAt: Date;
  /** When the renew job should renew it: with a quarter of its lifetime left. */
  renewAfter: Date;
  /** Set by a `reauthorizationRequired` lifecycle event; cleared once handled. */
  reauthorizationRequestedAt: Date | null;
  /** Set by a `subscriptionRemoved` lifecycle event: Graph dropped it, recreate. */
  removedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const GRAPH_SUBSCRIPTION_MODEL = 'GraphSubscription';

const schema = new Schema<GraphSubscriptionRecord>(
  {
    _id: { type: String, required: true },
    connectorId: { type: String, required: true, index: true },
    tenantId: { type: String, required: true },
    resource: { type: String, required: true },
    changeType: { type: String, required: true },
    clientStateHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    renewAfter: { type: Date, required: true, index: true },
    reauthorizationRequestedAt: { type: Date, default: null },
    removedAt: { type: Date, default: null },
  },
  { collection: 'graph_subscriptions', timestamps: true, versionKey: false },
);

export type GraphSubscriptionModel = Model<GraphSubscriptionRecord>;

export function graphSubscriptionModel(connection: Connection): GraphSubscriptionModel {
  return (
    (connection.models[GRAPH_SUBSCRIPTION_MODEL] as GraphSubscriptionModel | undefined) ??
    connection.model<GraphSubscriptionRecord>(GRAPH_SUBSCRIPTION_MODEL, schema)
  );
}
