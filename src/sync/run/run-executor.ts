import type { Logger } from 'pino';
import type { SyncRunDoc } from '../../db/models/sync-run.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import type { ConnectorRegistry, SyncOutcome } from '../../domain/connector.js';
import { ErrorCode } from '../../domain/errors.js';
import { ApprovalState, SyncRunStatus } from '../../domain/sync-run.js';
import type { GraphUsage } from '../../integrations/entra/graph-reader.js';
import type { RunLock } from './run-lock.js';
import { describeFailure, failure, judgeRun } from './run-outcome.js';
import type { RunPublisher } from './run-publisher.js';
import type { RunOutcome, SyncRunner } from './sync-runner.js';

/** The heartbeat found the run's lock or RUNNING status gone: another instance has it now. */
class RunTakenOverError extends Error {
  constructor() {
    super('the sync run was taken over by another instance');
  }
}

interface Heartbeat {
  /** Aborted when another instance took the run over. */
  lost: AbortSignal;
  /** The run's work is done: a renewal that now finds it finished is no takeover. */
  settle(): void;
  stop(): void;
}

interface RunResult {
  status: SyncRunStatus;
  outcome?: RunOutcome;
  error?: { code: ErrorCode; message: string };
}

/**
 * Runs one claimed run to its recorded end: heartbeats while it works, stops writing at once if
 * another instance took it over, records the outcome on the connector, then the final status
 * on the run (last, so whoever waits for it sees everything recorded).
 */
export class RunExecutor {
  constructor(
    private readonly models: SyncModels,
    private readonly registry: ConnectorRegistry,
    private readonly runner: SyncRunner,
    private readonly publisher: RunPublisher,
    private readonly lock: RunLock,
    private readonly lockTtlMs: number,
    private readonly logger: Logger,
  ) {}

  async execute(run: SyncRunDoc): Promise<void> {
    const log = this.logger.child({ runId: run._id.toHexString(), connectorId: run.connectorId });
    const heartbeat = this.heartbeat(run, log);
    const usage: GraphUsage = { requests: 0, resourceUnits: 0, throttled: 0 };
    try {
      await this.publisher.updated(run);
      await this.work(run, usage, heartbeat, log);
    } catch (error) {
      heartbeat.settle();
      if (heartbeat.lost.aborted) {
        // Its status is whatever the instance that took over recorded; nothing to add.
        log.warn('sync run stopped: another instance took it over');
        return;
      }
      const { code, message, connectorStatus, reasonCode } = describeFailure(error);
      if (code === ErrorCode.INTERNAL_SERVER_ERROR) log.error({ err: error }, 'sync run failed');
      else log.warn({ code, message }, 'sync run failed');
      if (connectorStatus) {
        await this.record(run.connectorId, failure(connectorStatus, code, reasonCode, message));
      }
      await this.finish(run, usage, {
        status: SyncRunStatus.FAILED,
        error: { code, message },
      }).catch((finishError: unknown) =>
        log.error({ err: finishError }, 'could not record the failed run'),
      );
    } finally {
      heartbeat.stop();
      await this.lock.release(run.connectorId).catch(() => undefined);
    }
  }

  private async work(
    run: SyncRunDoc,
    usage: GraphUsage,
    heartbeat: Heartbeat,
    log: Logger,
  ): Promise<void> {
    const config = await this.registry.loadSyncConfig(run.connectorId);
    if (!config) {
      heartbeat.settle();
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
      runId: run._id.toHexString(),
      config,
      mode: run.mode,
      trigger: run.trigger,
      preview: false,
      usage,
      signal: heartbeat.lost,
    });
    heartbeat.lost.throwIfAborted();
    heartbeat.settle();
    const verdict = judgeRun(outcome);
    if (verdict.supersedes) await this.supersedeApprovals(run);
    await this.record(run.connectorId, verdict.connector);
    await this.finish(run, usage, { status: verdict.status, outcome });
    log.info(
      {
        status: verdict.status,
        mode: outcome.mode,
        counts: outcome.counts,
        graphRequests: usage.requests,
      },
      'sync run finished',
    );
  }

  /**
   * Renews the lock and the run's heartbeat every third of the lock's lifetime. Under a
   * saturated database a renewal can land too late: another instance then fails the run as
   * orphaned and may take the lock, and this instance must stop writing at once (`lost`).
   */
  private heartbeat(run: SyncRunDoc, log: Logger): Heartbeat {
    const lost = new AbortController();
    // Set once the run's work is done: a heartbeat still in flight then sees the final status.
    let settled = false;
    const beat = async () => {
      const [locked, renewed] = await Promise.all([
        this.lock.renew(run.connectorId),
        this.models.SyncRun.updateOne(
          { _id: run._id, status: SyncRunStatus.RUNNING },
          { $set: { heartbeatAt: new Date() } },
        ),
      ]);
      if ((locked && renewed.matchedCount === 1) || settled || lost.signal.aborted) return;
      log.error(
        { lockHeld: locked, stillRunning: renewed.matchedCount === 1 },
        'sync run taken over by another instance: stopping it',
      );
      lost.abort(new RunTakenOverError());
    };
    const timer = setInterval(
      () =>
        void beat().catch((error: unknown) => log.warn({ err: error }, 'sync heartbeat failed')),
      Math.max(250, Math.floor(this.lockTtlMs / 3)),
    );
    timer.unref();
    return {
      lost: lost.signal,
      settle: () => void (settled = true),
      stop: () => clearInterval(timer),
    };
  }

  private async finish(run: SyncRunDoc, usage: GraphUsage, result: RunResult): Promise<void> {
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
                problems: outcome.problems,
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
