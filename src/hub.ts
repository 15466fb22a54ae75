import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { CompanyService } from './connectors/company.service.js';
import { ConnectorRegistryService } from './connectors/connector-registry.service.js';
import { ConnectorSetupService } from './connectors/connector-setup.service.js';
import { ConnectorStatusPublisher } from './connectors/connector-status.js';
import { ConnectorStore } from './connectors/connector-store.js';
import { ConnectorService } from './connectors/connector.service.js';
import { ConsentStateStore } from './connectors/consent-state.store.js';
import { ConsentService } from './connectors/consent.service.js';
import { SecretBox } from './crypto/secret-box.js';
import { initModels, type Models } from './db/models/index.js';
import type { SyncRequester } from './domain/connector.js';
import type { DirectoryReleaser } from './domain/directory-releaser.js';
import { buildHubSchema } from './graphql/schema.js';
import { ConnectionVerifier } from './integrations/entra/connection-verifier.js';
import { EntraClientFactory } from './integrations/entra/graph-client.factory.js';
import { GroupDirectory } from './integrations/entra/group-directory.js';
import { createMsalNetworkClient } from './integrations/entra/network-client.js';
import { createEntraAgent } from './integrations/entra/tls-agent.js';
import { TokenProvider } from './integrations/entra/token-provider.js';
import { Authenticator } from './server/auth.js';
import {
  databaseReachable,
  runReadinessChecks,
  type ReadinessCheck,
} from './server/health.router.js';
import { startHubServer, type RunningHubServer } from './server/hub-server.js';
import type { PlainHandler } from './server/http-app.js';
import { InMemoryLiveEvents, type LiveEvents } from './events/live-events.js';
import type { Services } from './server/services.js';

export interface HubPorts {
  /** Implemented by the sync engine. */
  syncRequester: SyncRequester;
  /** Implemented by the sync side (releases users on uninstall). */
  directoryReleaser: DirectoryReleaser;
  /** Default: in-memory (one instance). The realtime EventBus can back it across instances. */
  live?: LiveEvents;
}

export interface Hub {
  models: Models;
  services: Services;
  /** For the sync engine: implements ConnectorRegistry. */
  registry: ConnectorRegistryService;
  /** For the sync engine and the subscription manager: Graph clients per credentials. */
  entra: EntraClientFactory;
  authenticator: Authenticator;
  live: LiveEvents;
  /**
   * Starts the HTTP/WebSocket server; extra handlers (webhooks, /metrics) are tried before
   * GraphQL; `readiness` checks (e.g. the scheduler runs) join the database ping of /readyz.
   */
  listen(options?: {
    port?: number;
    handlers?: PlainHandler[];
    readiness?: ReadinessCheck[];
  }): Promise<RunningHubServer>;
  /** Closes what the hub owns (Entra agent, live events); the connection is the caller's. */
  close(): Promise<void>;
}

/**
 * Builds the hub's object graph on an open connection. Only src/main.ts and tests call it; they
 * pass the ports the other side implements.
 */
export async function createHub(
  config: Readonly<Config>,
  connection: Connection,
  ports: HubPorts,
  logger: Logger,
): Promise<Hub> {
  const models = await initModels(connection);
  const live = ports.live ?? new InMemoryLiveEvents();
  const secretBox = new SecretBox(config.encryption.keys);
  const agent = createEntraAgent(config.entra.caFile ? { caFile: config.entra.caFile } : {});
  const tokens = new TokenProvider({
    authorityHost: config.entra.authorityHost,
    networkClient: createMsalNetworkClient(agent),
    logger: logger.child({ component: 'msal' }),
  });
  const entra = new EntraClientFactory({
    graphBaseUrl: config.entra.graphBaseUrl,
    tokens,
    dispatcher: agent,
  });

  const status = new ConnectorStatusPublisher(live, logger);
  const store = new ConnectorStore(models.Connector);
  const companies = new CompanyService(models);
  const webhooksEnabled = config.http.publicBaseUrl !== undefined;
  const connectors = new ConnectorService({
    models,
    store,
    companies,
    status,
    syncRequester: ports.syncRequester,
    directoryReleaser: ports.directoryReleaser,
    live,
    logger,
    webhooksEnabled,
  });
  const consentStates = new ConsentStateStore(models.ConsentState);
  const setup = new ConnectorSetupService({
    store,
    secretBox,
    verifier: new ConnectionVerifier(entra),
    groups: new GroupDirectory(entra, config.entra.graphBaseUrl),
    consentStates,
    status,
    syncRequester: ports.syncRequester,
    logger,
    authorityHost: config.entra.authorityHost,
    publicBaseUrl: config.http.publicBaseUrl,
    view: (doc) => connectors.view(doc),
  });
  const consent = new ConsentService({ Connector: models.Connector, consentStates, setup, logger });
  const services: Services = { companies, connectors, setup, consent, live };
  const registry = new ConnectorRegistryService({
    Connector: models.Connector,
    Company: models.Company,
    secretBox,
    status,
    logger,
    backoff: config.sync.failureBackoff,
  });
  const authenticator = new Authenticator(config.auth, connectors);
  const schema = await buildHubSchema(live);

  return {
    models,
    services,
    registry,
    entra,
    authenticator,
    live,
    listen: (options = {}) =>
      startHubServer({
        host: config.http.host,
        port: options.port ?? config.http.port,
        schema,
        services,
        authenticator,
        logger,
        graphql: { ...config.graphql, maxFields: config.api.maxFields },
        maxBodyBytes: config.api.maxBodyBytes,
        ...(config.http.portalUrl ? { portalUrl: config.http.portalUrl } : {}),
        portal: config.portal,
        ready: async () => {
          const report = await runReadinessChecks([
            { name: 'database', check: () => databaseReachable(connection) },
            ...(options.readiness ?? []),
          ]);
          if (!report.ready) logger.warn({ failing: report.failing }, 'not ready');
          return report.ready;
        },
        handlers: options.handlers ?? [],
      }),
    async close() {
      await live.close();
      await agent.close();
    },
  };
}
