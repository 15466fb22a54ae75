import type {
  ConnectorRegistry,
  ConnectorSyncConfig,
  SyncOutcome,
} from '../../src/domain/connector.js';
import { DEFAULT_SYNC_RULES } from '../../src/domain/sync-rules.js';

/** An in-memory ConnectorRegistry: what the connector side answers, without its models. */
export class FakeRegistry implements ConnectorRegistry {
  readonly configs = new Map<string, ConnectorSyncConfig>();
  readonly outcomes: { connectorId: string; outcome: SyncOutcome }[] = [];

  add(partial: Partial<ConnectorSyncConfig> & { connectorId: string }): ConnectorSyncConfig {
    const config: ConnectorSyncConfig = {
      companyId: 'company-1',
      partnerId: 'partner-1',
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: '99999999-8888-7777-6666-555555555555',
      clientSecret: 'not-a-real-secret',
      syncGroupId: 'aaaaaaaa-0000-0000-0000-000000000001',
      syncedGroupIds: [],
      rules: DEFAULT_SYNC_RULES,
      seatLimit: null,
      ...partial,
    };
    this.configs.set(config.connectorId, config);
    return config;
  }

  loadSyncConfig(connectorId: string): Promise<ConnectorSyncConfig | null> {
    return Promise.resolve(this.configs.get(connectorId) ?? null);
  }

  listActiveConnectorIds(): Promise<string[]> {
    return Promise.resolve([...this.configs.keys()]);
  }

  recordSyncOutcome(connectorId: string, outcome: SyncOutcome): Promise<void> {
    this.outcomes.push({ connectorId, outcome });
    return Promise.resolve();
  }
}
