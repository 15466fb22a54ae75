import type { GraphQLSchema } from 'graphql';
import { CompanyService } from '../connectors/company.service.js';
import { ConnectorSetupService } from '../connectors/connector-setup.service.js';
import { ConnectorStore } from '../connectors/connector-store.js';
import { ConnectorService } from '../connectors/connector.service.js';
import { ConsentStateStore } from '../connectors/consent-state.store.js';
import { ConsentService } from '../connectors/consent.service.js';
import { ConnectorSyncRequests } from '../connectors/sync-requests.js';
import { ConnectorTokens } from '../connectors/connector-tokens.js';
import type { SubscriptionUpkeep } from '../domain/connector.js';
import { FeedService } from '../feed/feed.service.js';
import { buildHubSchema } from '../graphql/schema.js';
import { ConnectionVerifier } from '../integrations/entra/connection-verifier.js';
import { GroupDirectory } from '../integrations/entra/group-directory.js';
import { createOutbound, type Outbound, type OutboundTuning } from '../outbound/create-outbound.js';
import { AbuseLimits } from '../server/abuse-limits.js';
import { Authenticator } from '../server/auth.js';
import {
  databaseReachable,
  runReadinessChecks,
  type ReadinessCheck,
} from '../server/health.router.js';
import { startHubServer, type RunningHubServer } from '../server/hub-server.js';
import type { PlainHandler } from '../server/http-app.js';
import type { Services } from '../server/services.js';
import type { EnginePorts } from './engine.js';
import type { Infrastructure } from './infrastructure.js';

/** The API layer: the services resolvers reach, who the caller is, and the schema. */
export interface Api {
  services: Services;
  /** Outbound webhooks: its services are in `services.webhooks`; delivery runs once started. */
  outbound: Outbound;
  authenticator: Authenticator;
  schema: GraphQLSchema;
}

/** The third layer: the API services, on the infrastructure and the engine's ports. */
export async function buildApi(
  infra: Infrastructure,
  engine: Pick<EnginePorts, 'syncRequester' | 'directoryReleaser' | 'queries'>,
  upkeep: SubscriptionUpkeep,
  outboundTuning?: OutboundTuning,
): Promise<Api> {
  const { config, models, logger, live, status } = infra;
  const store = new ConnectorStore(models.Connector);
  const companies = new CompanyService(models);
  const syncRequests = new ConnectorSyncRequests(engine.syncRequester, upkeep, logger);
  const tokens = new ConnectorTokens({ models, live, logger });
  const connectors = new ConnectorService({
    models,
    store,
    companies,
    status,
    syncRequests,
    directoryReleaser: engine.directoryReleaser,
    live,
    tokens,
    logger,
    webhooksEnabled: config.http.publicBaseUrl !== undefined,
  });
  const consentStates = new ConsentStateStore(models.ConsentState);
  const setup = new ConnectorSetupService({
    store,
    secretBox: infra.secretBox,
    verifier: new ConnectionVerifier(infra.entra),
    groups: new GroupDirectory(infra.entra, config.entra.graphBaseUrl, config.encryption.keys),
    consentStates,
    status,
    syncRequests,
    logger,
    authorityHost: config.entra.authorityHost,
    publicBaseUrl: config.http.publicBaseUrl,
    view: (doc) => connectors.view(doc),
  });
  const consent = new ConsentService({ Connector: models.Connector, consentStates, setup, logger });
  const outbound = createOutbound({
    models,
    feed: infra.feed,
    live,
    box: infra.secretBox,
    settings: config.outbound,
    logger,
    ...(outboundTuning ? { tuning: outboundTuning } : {}),
  });
  const feed = new FeedService(infra.feed, models.Company);
  return {
    outbound,
    services: {
      companies,
      connectors,
      setup,
      consent,
      live,
      sync: engine.queries,
      feed,
      webhooks: { endpoints: outbound.endpoints, deliveries: outbound.deliveries },
    },
    authenticator: new Authenticator(config.auth, tokens),
    schema: await buildHubSchema(live),
  };
}

export interface ListenOptions {
  /** Overrides `config.http.port` (0 = any free port). */
  port?: number;
  /** Tried before GraphQL, in order (webhook receivers, /metrics). */
  handlers?: PlainHandler[];
  /** Join the database ping of /readyz. */
  readiness?: ReadinessCheck[];
}

/** The last layer: HTTP and WebSocket on the API. */
export async function listenApi(
  infra: Infrastructure,
  api: Api,
  options: ListenOptions = {},
): Promise<RunningHubServer> {
  const { config, connection, logger } = infra;
  return startHubServer({
    abuse: await AbuseLimits.create({ db: connection.db!, settings: config.limits, logger }),
    host: config.http.host,
    port: options.port ?? config.http.port,
    schema: api.schema,
    services: api.services,
    authenticator: api.authenticator,
    logger,
    graphql: config.graphql,
    maxBodyBytes: config.api.maxBodyBytes,
    ...(config.http.portalUrl ? { portalUrl: config.http.portalUrl } : {}),
    portal: config.portal,
    corsOrigins: config.http.corsOrigins,
    ready: async () => {
      const report = await runReadinessChecks([
        { name: 'database', check: () => databaseReachable(connection) },
        ...(options.readiness ?? []),
      ]);
      if (!report.ready) logger.warn({ failing: report.failing }, 'not ready');
      return report.ready;
    },
    handlers: options.handlers ?? [],
  });
}
