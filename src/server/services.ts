import type { CompanyService } from '../connectors/company.service.js';
import type { ConnectorSetupService } from '../connectors/connector-setup.service.js';
import type { ConnectorService } from '../connectors/connector.service.js';
import type { ConsentService } from '../connectors/consent.service.js';
import type { SyncQueryService } from '../sync/sync-query.service.js';
import type { LiveEvents } from '../events/live-events.js';

/**
 * The services resolvers reach through `context.services`. Other features add theirs here (e.g.
 * `syncRuns`) and construct them in src/hub.ts.
 */
export interface Services {
  companies: CompanyService;
  connectors: ConnectorService;
  setup: ConnectorSetupService;
  consent: ConsentService;
  live: LiveEvents;
  /** The sync engine's queries and approvals (set when the engine is wired). */
  sync?: SyncQueryService;
}
