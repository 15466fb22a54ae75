import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { type SyncRunDoc } from '../../db/models/sync-run.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import {
  ConnectorStatus,
  SyncMode,
  SyncTrigger,
  type ConnectorRegistry,
  type SyncOutcome,
  type SyncTarget,
} from '../../domain/connector.js';
import { AppError, ErrorCode, isAppError } from '../../domain/errors.js';
import type { GraphUsage } from '../../integrations/entra/graph-reader.js';
import { SyncGroupGoneError } from '../../integrations/entra/full-reader.js';
import { RunLock } from './run-lock.js';
import type { RunPublisher } from './run-publisher.js';
import type { RunOutcome, SyncRunner } from './sync-runner.js';
import { ApprovalState, SyncRunStatus, emptyCounts } from '../../domain/sync-run.js';

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

  constructor(
    private readonly models: SyncModels,
    private readonly registry: ConnectorRegistry,
    private readonly runner: SyncRunner,
    private readonly publisher: RunPublisher,
    private readonly logger: Logger,
    private readonly options: RunCoordinatorOptions,
  ) {
    this.lock = new RunLock(models.SyncLock, this.instanceId, options.lockTtlMs);
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
      const work = this.execute(claimed).finally(() => {
        this.local.delete(run.connectorId);
        this.inflight.delete(work);
        this.kick();
      });
      this.inflight.add(work);
    }
  }

  private async execute(run: SyncRunDoc): Promise<void> {
    const runId = run._id.toHexString();
    const log = this.logger.child({ runId, connectorId: run.connectorId });
    // Under a saturated database the heartbeat can land too late: another instance then fails
    // the run as orphaned and may take the lock. This instance must stop writing at once.
    const lost = new AbortController();
    // Set once the run's work is done: a heartbeat still in flight then sees the final status.
    let settled = false;
    const heartbeat = setInterval(
      () => {
        void Promise.all([
          this.lock.renew(run.connectorId),
          this.models.SyncRun.updateOne(
            { _id: run._id, status: SyncRunStatus.RUNNING },
            { $set: { heartbeatAt: new Date() } },
          ),
        ])
          .then(([locked, beat]) => {
            if ((locked && beat.matchedCount === 1) || settled || lost.signal.aborted) return;
            log.error(
              { lockHeld: locked, stillRunning: beat.matchedCount === 1 },
              'sync run taken over by another instance: stopping it',
            );
            lost.abort(new RunTakenOverError());
          })
          .catch((error: unknown) => log.warn({ err: error }, 'sync heartbeat failed'));
      },
      Math.max(250, Math.floor(this.options.lockTtlMs / 3)),
    );
    heartbeat.unref();
    const usage: GraphUsage = { requests: 0, resourceUnits: 0, throttled: 0 };
    try {
      await this.publisher.updated(run);
      const config = await this.registry.loadSyncConfig(run.connectorId);
      if (!config) {
        settled = true;
        await this.finish(run, usage, {
          status: SyncRunStatus.CANCELLED,
          error: {
            code: ErrorCode.CONFLICT,
            message: 'The connector was disabled or uninstalled before the sync started.',
          },
        });
        return;
      }
      const outcome = await this.runner.run({
        runId,
        config,
        mode: run.mode,
        preview: false,
        usage,
        signal: lost.signal,
      });
      lost.signal.throwIfAborted();
      settled = true;
      const incomplete = outcome.withheld > 0 || outcome.problems.length > 0;
      const status =
        outcome.staged > 0
          ? SyncRunStatus.NEEDS_APPROVAL
          : outcome.counts.errors > 0 || incomplete
            ? SyncRunStatus.PARTIAL
            : SyncRunStatus.SUCCEEDED;
      // The final status is written last: whoever waits for it sees the outcome recorded.
      if (
        outcome.staged > 0 ||
        (!incomplete && outcome.counts.usersDisabled + outcome.counts.usersDeleted > 0)
      ) {
        await this.supersedeApprovals(run);
      }
      await this.record(
        run.connectorId,
        incomplete
          ? failure(
              ConnectorStatus.ERROR,
              ErrorCode.UPSTREAM_UNAVAILABLE,
              outcome.problems[0] ?? 'Entra data was incomplete; the next sync retries.',
            )
          : { ok: true, at: new Date() },
      );
      await this.finish(run, usage, { status, outcome });
      log.info(
        { status, mode: outcome.mode, counts: outcome.counts, graphRequests: usage.requests },
        'sync run finished',
      );
    } catch (error) {
      settled = true;
      if (lost.signal.aborted) {
        // Its status is whatever the instance that took over recorded; nothing to add.
        log.warn('sync run stopped: another instance took it over');
        return;
      }
      const { code, message, connectorStatus } = describeFailure(error);
      if (code === ErrorCode.INTERNAL_SERVER_ERROR) log.error({ err: error }, 'sync run failed');
      else log.warn({ code, message }, 'sync run failed');
      if (connectorStatus) {
        await this.record(run.connectorId, failure(connectorStatus, code, message));
      }
      await this.finish(run, usage, {
        status: SyncRunStatus.FAILED,
        error: { code, message },
      }).catch((finishError: unknown) =>
        log.error({ err: finishError }, 'could not record the failed run'),
      );
    } finally {
      clearInterval(heartbeat);
      await this.lock.release(run.connectorId).catch(() => undefined);
    }
  }

  private async finish(
    run: SyncRunDoc,
    usage: GraphUsage,
    result: {
      status: SyncRunStatus;
      outcome?: RunOutcome;
      error?: { code: ErrorCode; message: string };
    },
  ): Promise<void> {
    const outcome = result.outcome;
    // Only a run still RUNNING: an orphan verdict another instance recorded stands.
    const updated = await this.models.SyncRun.findOneAndUpdate(
      { _id: run._id, status: SyncRunStatus.RUNNING },
      {
        $set: {
          status: result.status,
          finishedAt: new Date(),
          heartbeatAt: new Date(),
          graphRequests: usage.requests,
          resourceUnits: usage.resourceUnits,
          error: result.error ?? null,
          ...(outcome
            ? {
                mode: outcome.mode,
                counts: outcome.counts,
                changeCount: outcome.changeCount,
                notes: outcome.notes,
                approval:
                  outcome.staged > 0
                    ? { state: ApprovalState.PENDING, decidedAt: null, decidedBy: null }
                    : null,
              }
            : {}),
        },
      },
      { returnDocument: 'after' },
    ).lean<SyncRunDoc>();
    if (updated) await this.publisher.updated(updated);
  }

  /** Older runs awaiting approval are stale once a newer run planned deprovisioning again. */
  private async supersedeApprovals(run: SyncRunDoc): Promise<void> {
    await this.models.SyncRun.updateMany(
      {
        connectorId: run.connectorId,
        _id: { $ne: run._id },
        status: SyncRunStatus.NEEDS_APPROVAL,
        requestedAt: { $lte: run.requestedAt },
      },
      {
        $set: {
          status: SyncRunStatus.CANCELLED,
          'approval.state': ApprovalState.SUPERSEDED,
          'approval.decidedAt': new Date(),
        },
        $push: { notes: `Superseded by run ${run._id.toHexString()}.` },
      },
    );
  }

  private async record(connectorId: string, outcome: SyncOutcome): Promise<void> {
    try {
      await this.registry.recordSyncOutcome(connectorId, outcome);
    } catch (error) {
      this.logger.error({ err: error, connectorId }, 'could not record the sync outcome');
    }
  }
}

/** The heartbeat found the run's lock or RUNNING status gone: another instance has it now. */
class RunTakenOverError extends Error {
  constructor() {
    super('the sync run was taken over by another instance');
  }
}

function failure(
  status: ConnectorStatus.ERROR | ConnectorStatus.UNAUTHORIZED,
  code: ErrorCode,
  message: string,
): SyncOutcome {
  return { ok: false, at: new Date(), code, message, status };
}

function describeFailure(error: unknown): {
  code: ErrorCode;
  message: string;
  connectorStatus: ConnectorStatus.ERROR | ConnectorStatus.UNAUTHORIZED | null;
} {
  if (error instanceof SyncGroupGoneError) {
    return { code: error.code, message: error.message, connectorStatus: ConnectorStatus.ERROR };
  }
  if (isAppError(error)) {
    if (error.code === ErrorCode.UPSTREAM_UNAUTHORIZED) {
      return {
        code: error.code,
        message: error.message,
        connectorStatus: ConnectorStatus.UNAUTHORIZED,
      };
    }
    return { code: error.code, message: error.message, connectorStatus: ConnectorStatus.ERROR };
  }
  return {
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    message: 'The sync failed unexpectedly; it will be retried.',
    connectorStatus: null,
  };
}

export const toObjectId = (id: string): Types.ObjectId | null =>
  /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
