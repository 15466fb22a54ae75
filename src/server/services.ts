import type { CompanyService } from '../connectors/company.service.js';
import type { ConnectorSetupService } from '../connectors/connector-setup.service.js';
import type { ConnectorService } from '../connectors/connector.service.js';
import type { ConsentService } from '../connectors/consent.service.js';
import type { SyncQueryService } from '../sync/sync-query.service.js';
import type { LiveEvents } from '../events/live-events.js';
import type { FeedService } from '../feed/feed.service.js';
import type { WebhookDeliveryService } from '../outbound/delivery.service.js';
import type { WebhookEndpointService } from '../outbound/endpoint.service.js';

/**
 * The services resolvers reach through `context.services`, built once by the composition root
 * (src/runtime/api.ts).
 */
export interface Services {
  companies: CompanyService;
  connectors: ConnectorService;
  setup: ConnectorSetupService;
  consent: ConsentService;
  live: LiveEvents;
  /** The sync engine's runs, change logs, directory, previews and approvals. */
  sync: SyncQueryService;
  /** The companies' change feeds (`directoryChanges`, `directoryChanged`). */
  feed: FeedService;
  /** Outbound webhook endpoints, their deliveries, tests and replays. */
  webhooks: { endpoints: WebhookEndpointService; deliveries: WebhookDeliveryService };
}
