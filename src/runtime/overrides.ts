import type { ConnectorRegistry } from '../domain/connector.js';
import type { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import type { SubscriptionCredentials } from '../webhooks/graph-subscription.service.js';
import type { EnginePortsOverride } from './engine.js';

/** The Graph subscription endpoints for a connector's credentials. */
export type GraphSubscriptionsFor = (credentials: SubscriptionCredentials) => GraphSubscriptionsApi;

/**
 * The seams tests and benches may replace when they start the real runtime. Each is handed to
 * the layer that would otherwise build its own at construction (nothing is swapped afterwards);
 * production leaves them all unset.
 */
export interface RuntimeOverrides {
  /** The engine ports to wire instead of the engine's own (e.g. a recording requester). */
  engine?: EnginePortsOverride;
  /**
   * What the engine, Graph subscriptions and jobs ask about connectors, instead of the one the
   * connector side keeps in the database (e.g. an in-memory registry of made-up connectors).
   */
  registry?: ConnectorRegistry;
  /** Graph's subscription endpoints, instead of Microsoft Graph through the Entra clients. */
  graphSubscriptions?: GraphSubscriptionsFor;
}
