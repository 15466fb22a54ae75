import type { Logger } from 'pino';
import type { ConnectorSyncConfig } from '../../domain/connector.js';
import type { EntraClientFactory } from './graph-client.factory.js';
import { GraphReader, type GraphRetryPolicy, type GraphUsage } from './graph-reader.js';
import type { TenantGate } from './tenant-gate.js';

export interface ConnectorGraphDeps {
  entra: EntraClientFactory;
  gate: TenantGate;
  retry: GraphRetryPolicy;
}

/** A GraphReader on the connector's credentials, counting into `usage`. */
export function connectorGraph(
  deps: ConnectorGraphDeps,
  config: Pick<
    ConnectorSyncConfig,
    'tenantId' | 'clientId' | 'clientSecret' | 'clientSecretExpiresAt'
  >,
  usage: GraphUsage,
  logger: Logger,
): GraphReader {
  const { tenantId, clientId, clientSecret, clientSecretExpiresAt } = config;
  return new GraphReader(
    deps.entra.graphClient({ tenantId, clientId, clientSecret, clientSecretExpiresAt }),
    tenantId,
    deps.gate,
    deps.retry,
    usage,
    logger,
  );
}
