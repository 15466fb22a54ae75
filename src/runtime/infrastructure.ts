import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ConnectorRegistryService } from '../connectors/connector-registry.service.js';
import { ConnectorStatusPublisher } from '../connectors/connector-status.js';
import { SecretBox } from '../crypto/secret-box.js';
import { assertMigrated, migrateDatabase } from '../db/migrations/migrate.js';
import { initModels, type Models } from '../db/models/index.js';
import type { ConnectorRegistry, SubscriptionUpkeep } from '../domain/connector.js';
import type { LiveEvents } from '../events/live-events.js';
import { ChangeFeed } from '../feed/change-feed.js';
import { EntraClientFactory } from '../integrations/entra/graph-client.factory.js';
import { createMsalNetworkClient } from '../integrations/entra/network-client.js';
import { createEntraAgent } from '../integrations/entra/tls-agent.js';
import { TokenProvider } from '../integrations/entra/token-provider.js';
import { readBuildInfo } from '../observability/build-info.js';

/** What every layer above is built on: models, live events, Microsoft clients, the registry. */
export interface Infrastructure {
  config: Readonly<Config>;
  connection: Connection;
  logger: Logger;
  models: Models;
  live: LiveEvents;
  secretBox: SecretBox;
  /** Graph clients per connector credentials (MSAL tokens cached per credentials). */
  entra: EntraClientFactory;
  status: ConnectorStatusPublisher;
  /** The connector lifecycle's side of the sync contract (src/domain/connector.ts). */
  registry: ConnectorRegistry;
  /** Every company's ordered change feed (the engine appends, the API and webhooks read). */
  feed: ChangeFeed;
  /** Closes the Entra HTTP agent (the connection and live events are their owners'). */
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  config: Readonly<Config>;
  connection: Connection;
  logger: Logger;
  live: LiveEvents;
  upkeep: SubscriptionUpkeep;
  /** Tests: the registry to hand the layers above instead of the connector side's own. */
  registry?: ConnectorRegistry | undefined;
}

/** The first layer of the composition root: nothing here knows about sync, API or jobs. */
export async function buildInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const { config, connection, logger, live } = options;
  const models = await initModels(connection);
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
  const status = new ConnectorStatusPublisher(live, options.upkeep, logger);
  const registry =
    options.registry ??
    new ConnectorRegistryService({
      Connector: models.Connector,
      Company: models.Company,
      secretBox,
      status,
      logger,
      backoff: config.sync.failureBackoff,
    });
  return {
    config,
    connection,
    logger,
    models,
    live,
    secretBox,
    entra,
    status,
    registry,
    feed: new ChangeFeed({
      models,
      live,
      logger,
      retentionDays: config.outbound.feedRetentionDays,
    }),
    close: () => agent.close(),
  };
}

/**
 * Before anything touches the database: development and tests migrate at start, so nothing needs
 * an extra step; production runs `npm run hub -- migrate` once per deploy
 * (MONGODB_AUTO_MIGRATE=false) and an instance refuses to start, having written nothing, on a
 * database that `migrate` has not brought to its release.
 */
export async function prepareDatabase(
  config: Readonly<Config>,
  connection: Connection,
  logger: Logger,
): Promise<void> {
  if (!config.mongodbAutoMigrate) return assertMigrated(connection);
  const report = await migrateDatabase(connection, {
    version: readBuildInfo().version,
    reportExtraIndexes: false,
  });
  if (report.applied.length > 0) logger.info({ applied: report.applied }, 'database migrated');
}
