import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { initSyncModels, type SyncModels } from '../db/models/sync-models.js';
import type { ConnectorRegistry, SyncRequester } from '../domain/connector.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import type { ChangeFeed } from '../feed/change-feed.js';
import type { EntraClientFactory } from '../integrations/entra/graph-client.factory.js';
import type { LiveEvents } from '../events/live-events.js';
import { DirectoryReleaserService } from './directory-releaser.service.js';
import type { GraphRetryPolicy } from '../integrations/entra/graph-reader.js';
import { TenantGate } from '../integrations/entra/tenant-gate.js';
import { RunRetentionService } from './run-retention.service.js';
import { ApprovalService } from './run/approval.service.js';
import { DeltaProbe } from './run/delta-probe.js';
import { RunCoordinator } from './run/run-coordinator.js';
import { RunPublisher } from './run/run-publisher.js';
import { SyncRunner } from './run/sync-runner.js';
import { SyncPreviewService } from './sync-preview.service.js';
import { SyncQueryService } from './sync-query.service.js';
import type { CompanyModel } from '../db/models/company.model.js';
import type { ConnectorModel } from '../db/models/connector.model.js';
import type { SyncActivity, SyncRunRetention } from '../domain/sync-ports.js';

export interface SyncEngineOptions {
  graphMaxConcurrencyPerTenant: number;
  maxConcurrentRuns: number;
  lockTtlMs: number;
  queuePollMs: number;
  /** Idle polls record their check (a write) at most this often; default 15 minutes. */
  idleRecordIntervalMs?: number;
  retry: GraphRetryPolicy;
  /** Member listing page size (`$top`); default 999, Graph's maximum. */
  pageSize?: number;
}

export interface SyncEngineDeps {
  connection: Connection;
  /** For the GraphQL scope checks. */
  Connector: ConnectorModel;
  Company: CompanyModel;
  registry: ConnectorRegistry;
  entra: EntraClientFactory;
  live: LiveEvents;
  logger: Logger;
  options: SyncEngineOptions;
  /** The company change feed every applied change is appended to (docs/webhooks.md). */
  feed?: ChangeFeed;
}

export interface SyncEngine {
  models: SyncModels;
  syncRequester: SyncRequester;
  directoryReleaser: DirectoryReleaser;
  syncActivity: SyncActivity;
  /** The poll's idle check: a delta probe that queues a run only when Entra changed. */
  poller: DeltaProbe;
  runRetention: SyncRunRetention;
  approvals: ApprovalService;
  preview: SyncPreviewService;
  /** The runs, change logs, directory, previews and approvals the API reads and does. */
  queries: SyncQueryService;
  /** Recovers orphaned runs and starts draining the queue. */
  start(): Promise<void>;
  /** Stops taking runs; waits for those in progress. */
  stop(): Promise<void>;
}

/** The only constructor of the sync engine's objects; the composition root (src/runtime) calls it. */
export async function createSyncEngine(deps: SyncEngineDeps): Promise<SyncEngine> {
  const models = await initSyncModels(deps.connection);
  const logger = deps.logger.child({ component: 'sync' });
  const gate = new TenantGate(deps.options.graphMaxConcurrencyPerTenant);
  const runner = new SyncRunner({
    models,
    entra: deps.entra,
    gate,
    retry: deps.options.retry,
    groupConcurrency: deps.options.graphMaxConcurrencyPerTenant,
    ...(deps.options.pageSize ? { pageSize: deps.options.pageSize } : {}),
    logger,
    ...(deps.feed ? { feed: deps.feed } : {}),
  });
  const publisher = new RunPublisher(deps.live, logger);
  const coordinator = new RunCoordinator(models, deps.registry, runner, publisher, logger, {
    maxConcurrentRuns: deps.options.maxConcurrentRuns,
    lockTtlMs: deps.options.lockTtlMs,
    pollMs: deps.options.queuePollMs,
  });
  const syncRequester: SyncRequester = {
    async requestSync(connectorId, trigger, options) {
      return {
        runId: await coordinator.request(connectorId, trigger, options?.mode, options?.target),
      };
    },
  };
  const retention = new RunRetentionService(models);
  const approvals = new ApprovalService(models, coordinator.runLock, publisher, deps.feed);
  const preview = new SyncPreviewService(deps.registry, runner);
  return {
    models,
    syncRequester,
    poller: new DeltaProbe({
      models,
      registry: deps.registry,
      syncRequester,
      entra: deps.entra,
      gate,
      retry: deps.options.retry,
      recordIntervalMs: deps.options.idleRecordIntervalMs ?? 900_000,
      logger,
    }),
    directoryReleaser: new DirectoryReleaserService(models),
    syncActivity: { runningConnectorIds: () => coordinator.busyConnectorIds() },
    runRetention: { deleteRunsOlderThan: (cutoff: Date) => retention.deleteRunsOlderThan(cutoff) },
    approvals,
    preview,
    queries: new SyncQueryService({
      models,
      Connector: deps.Connector,
      Company: deps.Company,
      approvals,
      preview,
      live: deps.live,
    }),
    start: () => coordinator.start(),
    stop: () => coordinator.stop(),
  };
}
