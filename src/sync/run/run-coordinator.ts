import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type SyncRunDoc } from '../../db/models/sync-run.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import {
  SyncMode,
  SyncTrigger,
  type ConnectorRegistry,
  type SyncTarget,
} from '../../domain/connector.js';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { SyncRunStatus, emptyCounts } from '../../domain/sync-run.js';
import { RunExecutor } from './run-executor.js';
import { RunLock } from './run-lock.js';
import type { RunPublisher } from './run-publisher.js';
import type { SyncRunner } from './sync-runner.js';

export interface RunCoordinatorOptions {
  /** Runs this instance executes at once (different connectors). */
  maxConcurrentRuns: number;
  /** Lock lifetime without renewal; a RUNNING run whose heartbeat is older is orphaned. */
  lockTtlMs: number;
  /** How often queued runs (requested on other instances) and orphans are checked. */
  pollMs: number;
}

/**
 * The run queue: SyncRun documents are the queue (one QUEUED run per connector, enforced by a
 * sparse unique key, so concurrent triggers on any instance coalesce onto it), the per-connector
 * lock makes one run at a time across instances, and every instance drains the queue.
 */
export class RunCoordinator {
  readonly instanceId = randomUUID();
  private readonly lock: RunLock;
  private readonly local = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inflight = new Set<Promise<void>>();
  private readonly executor: RunExecutor;

  constructor(
    private readonly models: SyncModels,
    private readonly registry: ConnectorRegistry,
    runner: SyncRunner,
    private readonly publisher: RunPublisher,
    private readonly logger: Logger,
    private readonly options: RunCoordinatorOptions,
  ) {
    this.lock = new RunLock(models.SyncLock, this.instanceId, options.lockTtlMs);
    this.executor = new RunExecutor(
      models,
      registry,
      runner,
      publisher,
      this.lock,
      options.lockTtlMs,
      logger,
    );
  }

  get runLock(): RunLock {
    return this.lock;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.recoverOrphans();
    this.timer = setInterval(() => {
      void this.recoverOrphans()
        .then(() => this.kick())
        .catch((error: unknown) => this.logger.error({ err: error }, 'sync queue check failed'));
    }, this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops taking runs and waits for the ones in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.draining;
    await Promise.allSettled([...this.inflight]);
  }

  async request(
    connectorId: string,
    trigger: SyncTrigger,
    mode?: SyncMode,
    known?: SyncTarget,
  ): Promise<string> {
    const target = known ?? (await this.registry.syncTarget(connectorId));
    if (!target) {
      throw new AppError(
        ErrorCode.CONFLICT,
        'The connector is not active: activate it (and enable it) before syncing',
      );
    }
    const wanted =
      mode ??
      (trigger === SyncTrigger.INITIAL || trigger === SyncTrigger.RECONCILE
        ? SyncMode.FULL
        : SyncMode.DELTA);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const queued = await this.models.SyncRun.findOneAndUpdate(
        { queueKey: connectorId, status: SyncRunStatus.QUEUED },
        {
          $inc: { coalesced: 1 },
          ...(wanted === SyncMode.FULL ? { $set: { mode: SyncMode.FULL } } : {}),
        },
        { returnDocument: 'after' },
      ).lean<SyncRunDoc>();
      if (queued) {
        this.kick();
        return queued._id.toHexString();
      }
      try {
        const run = await this.models.SyncRun.create({
          connectorId,
          companyId: target.companyId,
          partnerId: target.partnerId,
          trigger,
          mode: wanted,
          status: SyncRunStatus.QUEUED,
          queueKey: connectorId,
          requestedAt: new Date(),
          counts: emptyCounts(),
        });
        await this.publisher.updated(run);
        this.kick();
        return run._id.toHexString();
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    throw new AppError(ErrorCode.CONFLICT, 'Could not queue the sync; try again');
  }

  /** Ids of connectors with a queued or running run. */
  async busyConnectorIds(): Promise<ReadonlySet<string>> {
    const ids = await this.models.SyncRun.distinct('connectorId', {
      status: { $in: [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING] },
    });
    return new Set(ids.map(String));
  }

  /** RUNNING runs whose instance stopped heartbeating are FAILED (and their lock is stale). */
  async recoverOrphans(): Promise<number> {
    const stale = new Date(Date.now() - this.options.lockTtlMs);
    const orphans = await this.models.SyncRun.find({
      status: SyncRunStatus.RUNNING,
      $or: [{ heartbeatAt: { $lt: stale } }, { heartbeatAt: null }],
    }).lean<SyncRunDoc[]>();
    let count = 0;
    for (const run of orphans) {
      const updated = await this.models.SyncRun.findOneAndUpdate(
        { _id: run._id, status: SyncRunStatus.RUNNING, heartbeatAt: run.heartbeatAt },
        {
          $set: {
            status: SyncRunStatus.FAILED,
            finishedAt: new Date(),
            error: {
              code: ErrorCode.INTERNAL_SERVER_ERROR,
              message:
                'The hub instance running this sync stopped before it finished; the next sync starts over.',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<SyncRunDoc>();
      if (updated) {
        count += 1;
        await this.publisher.updated(updated);
      }
    }
    return count;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.logger.error({ err: error }, 'sync queue drain failed'))
      .finally(() => {
        this.draining = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    if (this.local.size >= this.options.maxConcurrentRuns) return;
    const queued = await this.models.SyncRun.find({ status: SyncRunStatus.QUEUED })
      .sort({ requestedAt: 1 })
      .limit(50)
      .lean<SyncRunDoc[]>();
    for (const run of queued) {
      if (this.stopped || this.local.size >= this.options.maxConcurrentRuns) return;
      if (this.local.has(run.connectorId)) continue;
      const runId = run._id.toHexString();
      if (!(await this.lock.acquire(run.connectorId, runId))) continue;
      const now = new Date();
      const claimed = await this.models.SyncRun.findOneAndUpdate(
        { _id: run._id, status: SyncRunStatus.QUEUED },
        {
          $set: { status: SyncRunStatus.RUNNING, startedAt: now, heartbeatAt: now },
          $unset: { queueKey: 1 },
        },
        { returnDocument: 'after' },
      ).lean<SyncRunDoc>();
      if (!claimed) {
        await this.lock.release(run.connectorId);
        continue;
      }
      this.local.add(run.connectorId);
      const work = this.executor.execute(claimed).finally(() => {
        this.local.delete(run.connectorId);
        this.inflight.delete(work);
        this.kick();
      });
      this.inflight.add(work);
    }
  }
}
