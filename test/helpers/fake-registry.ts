import type {
  ConnectorRegistry,
  ConnectorSyncConfig,
  SyncOutcome,
  SyncTarget,
} from '../../src/domain/connector.js';
import { DEFAULT_SYNC_RULES } from '../../src/domain/sync-rules.js';

/** An in-memory ConnectorRegistry: what the connector side answers, without its models. */
export class FakeRegistry implements ConnectorRegistry {
  readonly configs = new Map<string, ConnectorSyncConfig>();
  readonly outcomes: {
    connectorId: string;
    outcome: SyncOutcome;
    options?: { backoff?: boolean } | undefined;
  }[] = [];
  /** Connectors backing off, and until when (set by the test). */
  readonly deferredUntil = new Map<string, Date>();

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

  syncTarget(connectorId: string): Promise<SyncTarget | null> {
    const config = this.configs.get(connectorId);
    return Promise.resolve(
      config ? { companyId: config.companyId, partnerId: config.partnerId } : null,
    );
  }

  listActiveConnectorIds(options: { dueBy?: Date } = {}): Promise<string[]> {
    const { dueBy } = options;
    return Promise.resolve(
      [...this.configs.keys()].filter((id) => {
        const until = this.deferredUntil.get(id);
        return !dueBy || !until || until <= dueBy;
      }),
    );
  }

  syncDeferredUntil(connectorId: string): Promise<Date | null> {
    const until = this.deferredUntil.get(connectorId);
    return Promise.resolve(until && until.getTime() > Date.now() ? until : null);
  }

  recordSyncOutcome(
    connectorId: string,
    outcome: SyncOutcome,
    options?: { backoff?: boolean },
  ): Promise<void> {
    this.outcomes.push({ connectorId, outcome, options });
    return Promise.resolve();
  }
}
