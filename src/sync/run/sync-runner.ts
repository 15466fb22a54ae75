import type { Logger } from 'pino';
import type { SyncModels } from '../../db/models/sync-models.js';
import type { ChangeEntry } from '../../domain/change.js';
import { SyncMode } from '../../domain/connector.js';
import type { SyncRunCounts, SyncRunProblem } from '../../domain/sync-run.js';
import { connectorGraph } from '../../integrations/entra/connector-graph.js';
import type { ChangeFeed } from '../../feed/change-feed.js';
import type { EntraClientFactory } from '../../integrations/entra/graph-client.factory.js';
import type { GraphReader, GraphRetryPolicy } from '../../integrations/entra/graph-reader.js';
import type { TenantGate } from '../../integrations/entra/tenant-gate.js';
import { SyncStateStore } from '../state/sync-state.store.js';
import { deltaSync, scopeKey } from './delta-sync.js';
import { fullSync, type ReadOutcome } from './full-sync.js';
import type { GroupsBefore } from './group-phase.js';
import { RunContext, type RunRequest } from './run-context.js';

export type { RunRequest };

export interface SyncRunnerDeps {
  models: SyncModels;
  entra: EntraClientFactory;
  gate: TenantGate;
  retry: GraphRetryPolicy;
  /** Selected groups listed in parallel (each request still takes a tenant gate slot). */
  groupConcurrency: number;
  pageSize?: number;
  logger: Logger;
  /** Where applied changes are announced, in order (the outbox; none in engine unit tests). */
  feed?: ChangeFeed;
}

/** What a run did, for its record and for the connector's status. */
export interface RunOutcome {
  mode: SyncMode;
  counts: SyncRunCounts;
  changeCount: number;
  staged: number;
  withheld: number;
  /** Everything the run wants the admin to know, problems included, in order. */
  notes: string[];
  /** The notes that mean the data was incomplete: the run is PARTIAL, the connector ERROR. */
  problems: SyncRunProblem[];
  /** A preview's changes, as PLANNED. */
  entries: ChangeEntry[];
}

/**
 * One run, full or delta: observe Entra -> plan with the rules -> apply batch by batch, with
 * disables and deletes held for the guard; the delta state is saved only after all of it.
 */
export class SyncRunner {
  private readonly states: SyncStateStore;

  constructor(private readonly deps: SyncRunnerDeps) {
    this.states = new SyncStateStore(deps.models.SyncState);
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const logger = this.deps.logger.child({ runId: request.runId });
    const ctx = new RunContext(this.deps.models, request, logger, this.deps.feed);
    try {
      return await this.execute(ctx, logger);
    } catch (error) {
      // What was applied before the failure keeps its log entries (best effort: the database
      // may be what failed).
      await ctx.log.flush().catch(() => undefined);
      throw error;
    }
  }

  private async execute(ctx: RunContext, logger: Logger): Promise<RunOutcome> {
    const { request } = ctx;
    const graph = this.graph(request, logger);
    const started = performance.now();
    // Under the run lock, before any write: what a dead run left staged in the feed is settled.
    await ctx.feed?.recover();
    const connectorId = request.config.connectorId;
    const state = await this.states.load(connectorId);
    const groupsBefore = () => this.groupsBefore(ctx, state?.selectedGroups ?? []);
    let mode = SyncMode.DELTA;
    let read: ReadOutcome | null = null;
    if (request.mode === SyncMode.DELTA && !request.preview) {
      read = await deltaSync(ctx, { graph, states: this.states, groupsBefore }, state);
    }
    if (!read) {
      mode = SyncMode.FULL;
      if (!request.preview && state) await this.states.markPending(connectorId, request.runId);
      read = await fullSync(
        ctx,
        {
          graph,
          groupConcurrency: this.deps.groupConcurrency,
          ...(this.deps.pageSize ? { pageSize: this.deps.pageSize } : {}),
          groupsBefore,
        },
        state,
      );
    }
    const outcome = await this.finish(ctx, mode, read, state?.selectedGroups ?? []);
    ctx.phase('finish');
    logger.info(
      {
        mode,
        ms: Math.round(performance.now() - started),
        changes: outcome.changeCount,
        phasesMs: ctx.phasesMs,
      },
      'sync run applied',
    );
    return outcome;
  }

  private async finish(
    ctx: RunContext,
    mode: SyncMode,
    read: ReadOutcome,
    previousGroups: NonNullable<ReadOutcome['selectedGroups']>,
  ): Promise<RunOutcome> {
    const { config, preview, signal } = ctx.request;
    await ctx.log.flush();
    if (!preview) {
      signal?.throwIfAborted();
      const managed = read.managedAfterApplied();
      if (mode === SyncMode.DELTA && read.selectedGroups === null && ctx.log.changeCount === 0) {
        await this.states.saveLinks(config.connectorId, read.links!);
      } else {
        await this.states.save(config.connectorId, {
          scopeKey: scopeKey(config),
          links: read.links,
          managedUsers: managed,
          selectedGroups: read.selectedGroups ?? previousGroups,
          full: mode === SyncMode.FULL && read.complete,
        });
      }
    }
    return {
      mode,
      counts: ctx.log.counts,
      changeCount: ctx.log.changeCount,
      staged: ctx.log.staged,
      withheld: ctx.log.withheld,
      notes: ctx.notes,
      problems: ctx.problems,
      entries: ctx.log.entries,
    };
  }

  private graph(request: RunRequest, logger: Logger): GraphReader {
    return connectorGraph(this.deps, request.config, request.usage, logger);
  }

  private async groupsBefore(
    ctx: RunContext,
    previous: NonNullable<ReadOutcome['selectedGroups']>,
  ): Promise<GroupsBefore> {
    const selected = new Set(ctx.config.syncedGroupIds);
    return {
      existing: await ctx.directory.groups(ctx.config.syncedGroupIds),
      previous: new Map(previous.filter((g) => selected.has(g.id)).map((g) => [g.id, g])),
    };
  }
}
