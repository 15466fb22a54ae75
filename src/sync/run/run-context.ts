import type { Logger } from 'pino';
import type { SyncModels } from '../../db/models/sync-models.js';
import { ChangeAction, ChangeObjectType, ChangeState } from '../../domain/change.js';
import type { ConnectorSyncConfig, SyncMode, SyncTrigger } from '../../domain/connector.js';
import type { ChangeFeed } from '../../feed/change-feed.js';
import type { FeedWriter } from '../../feed/feed-writer.js';
import type { SyncRunProblem, SyncRunProblemCode } from '../../domain/sync-run.js';
import type { GraphUsage } from '../../integrations/entra/graph-reader.js';
import { ChangeLogWriter } from '../apply/change-log.js';
import { PlanApplier } from '../apply/plan-applier.js';
import { RunLog } from '../apply/run-log.js';
import type { ExistingGroup } from '../plan/group-planner.js';
import type { ExistingUser, FactsWrite, PlannedChange } from '../plan/plan.types.js';
import { seatCounter, type SeatCounter } from '../plan/user-planner.js';
import { DirectoryStore, countsAsManaged } from '../state/directory-store.js';
import { GuidSet } from '../state/guid-set.js';
import { MembershipStore } from '../state/membership-store.js';

/** A selected group as the membership writes name it. */
export interface MemberGroup {
  entraId: string;
  name: string;
  existing: ExistingGroup | undefined;
}

/** One group's memberships that entered (`added`) and left (`removed`) its scope. */
export interface MemberChange {
  group: MemberGroup;
  added: readonly string[];
  removed: readonly string[];
}

export interface RunRequest {
  runId: string;
  config: ConnectorSyncConfig;
  mode: SyncMode;
  /**
   * RECONCILE: the daily safety net. Its full read always sweeps for leavers, whatever the counts
   * kept by earlier runs say (other full reads sweep only when the counts disagree).
   */
  trigger?: SyncTrigger | undefined;
  preview: boolean;
  usage: GraphUsage;
  /**
   * Aborted when the run was taken away from this instance (its lock or RUNNING status lost):
   * checked between directory writes and before delta state is saved, so a run that lost its
   * lock stops writing what its successor now owns.
   */
  signal?: AbortSignal;
}

/**
 * One run's working state: its stores, the log, the deprovisions held back for the guard, and
 * the notes. Non-deprovisioning changes are applied (and logged) batch by batch as they are
 * planned; a preview applies nothing and keeps the entries.
 */
export class RunContext {
  readonly directory: DirectoryStore;
  readonly memberships: MembershipStore;
  readonly log: RunLog;
  /** The company's change feed, appended batch by batch with the writes (null: a preview). */
  readonly feed: FeedWriter | null;
  readonly notes: string[] = [];
  /** Notes that mean the data was incomplete: the run is PARTIAL and the connector ERROR. */
  readonly problems: SyncRunProblem[] = [];
  /** Disables and deletes, applied (or staged, or withheld) together at the end. */
  readonly deferred: PlannedChange[] = [];
  /**
   * Entra ids of the users this run changed or holds a change for (an initial sync changes every
   * member: 16 bytes each, see GuidSet).
   */
  readonly changedIds = new GuidSet();
  /** Net change of the connector's managed, not deleted users by what was applied. */
  managedDelta = 0;
  /** Wall time per phase, for the log line that explains a slow run. */
  readonly phasesMs: Record<string, number> = {};
  private phaseStarted = performance.now();
  private readonly applier: PlanApplier | null;
  private readonly snapshots = new Map<string, ExistingUser>();
  private seats: SeatCounter | null = null;

  constructor(
    models: SyncModels,
    readonly request: RunRequest,
    readonly logger: Logger,
    feed?: ChangeFeed,
  ) {
    const { companyId, connectorId } = request.config;
    this.feed =
      request.preview || !feed
        ? null
        : feed.writer({ companyId, connectorId, runId: request.runId }, request.signal);
    this.directory = new DirectoryStore(models, companyId, connectorId);
    this.memberships = new MembershipStore(models.DirectoryGroupMember, companyId, request.preview);
    this.log = new RunLog(
      request.preview ? null : new ChangeLogWriter(models.SyncChangeChunk, request.runId),
    );
    this.applier = request.preview
      ? null
      : new PlanApplier(models, companyId, connectorId, request.signal);
  }

  get config(): ConnectorSyncConfig {
    return this.request.config;
  }

  /** Ends the current phase under `name` (added up when a phase recurs). */
  phase(name: string): void {
    const now = performance.now();
    this.phasesMs[name] = Math.round((this.phasesMs[name] ?? 0) + now - this.phaseStarted);
    this.phaseStarted = now;
  }

  problem(code: SyncRunProblemCode, note: string): void {
    this.notes.push(note);
    this.problems.push({ code, message: note });
  }

  /** The company's seats, counted once per run and only when it has a limit. */
  async seatCounter(): Promise<SeatCounter> {
    if (!this.seats) {
      const limit = this.config.seatLimit;
      this.seats = seatCounter(limit, limit === null ? 0 : await this.directory.countSeatsUsed());
    }
    return this.seats;
  }

  /** Holds a deprovisioning change for the guard (with the user as it was, for the counts). */
  defer(change: PlannedChange, users: ReadonlyMap<string, ExistingUser>): void {
    this.deferred.push(change);
    this.changedIds.add(change.objectId);
    if (change.write?.kind === 'updateUser') {
      const user = users.get(change.write.id);
      if (user) this.snapshots.set(change.write.id, user);
    }
  }

  /** Applies and logs changes now (errors are logged FAILED, nothing is written for them). */
  async applyAndLog(
    changes: readonly PlannedChange[],
    facts: readonly FactsWrite[],
    users: ReadonlyMap<string, ExistingUser>,
  ): Promise<void> {
    const writable = changes.filter((c) => c.action !== ChangeAction.ERROR);
    // Outbox: the feed entries are staged before the writes and committed after them.
    const staged = await this.feed?.stageChanges(writable);
    const failed =
      this.applier && (writable.length > 0 || facts.length > 0)
        ? await this.applier.apply(writable, facts)
        : new Map<PlannedChange, string>();
    await staged?.commit((change) => failed.has(change as PlannedChange));
    if (this.applier) this.countManaged(writable, facts, users, failed);
    this.request.signal?.throwIfAborted();
    for (const change of changes) {
      if (change.objectType === ChangeObjectType.USER) this.changedIds.add(change.objectId);
      const failure = failed.get(change);
      const state =
        change.action === ChangeAction.ERROR || failure ? ChangeState.FAILED : ChangeState.APPLIED;
      await this.log.record(change, state, failure ?? null);
    }
  }

  /**
   * Membership writes of one selected group, with their feed events (the memberships that
   * entered and left its scope) staged before and committed after. A group that is not a
   * directory group yet announces its members when it is created instead.
   */
  memberWrites(
    group: MemberGroup,
    added: readonly string[],
    removed: readonly string[],
    write: () => Promise<void>,
  ): Promise<void> {
    return this.memberWritesOf([{ group, added, removed }], write);
  }

  /** Membership writes of several groups at once: their feed events staged in one insert. */
  async memberWritesOf(changes: readonly MemberChange[], write: () => Promise<void>) {
    const staged = await this.feed?.stageMemberChanges(
      changes.map(({ group, added, removed }) => ({
        group: {
          entraId: group.entraId,
          name: group.name,
          id: group.existing?.id ?? null,
          managed: !!group.existing && group.existing.managedBy !== null,
        },
        added,
        removed,
      })),
    );
    await write();
    await staged?.commit();
  }

  /** The deferred changes the guard let through (`state` APPLIED), or their staged/withheld log. */
  async settleDeferred(state: ChangeState): Promise<void> {
    if (state === ChangeState.APPLIED) {
      await this.applyAndLog(this.deferred, [], this.snapshots);
      return;
    }
    for (const change of this.deferred) await this.log.record(change, state);
  }

  private countManaged(
    changes: readonly PlannedChange[],
    facts: readonly FactsWrite[],
    users: ReadonlyMap<string, ExistingUser>,
    failed: ReadonlyMap<PlannedChange, string>,
  ): void {
    const connectorId = this.config.connectorId;
    const delta = (before: ExistingUser | null, set: Partial<ExistingUser>) =>
      Number(countsAsManaged(before ? { ...before, ...set } : null, connectorId)) -
      Number(countsAsManaged(before, connectorId));
    for (const change of changes) {
      const write = change.write;
      if (failed.has(change) || !write) continue;
      if (write.kind === 'insertUser') this.managedDelta += 1;
      else if (write.kind === 'updateUser') {
        this.managedDelta += delta(users.get(write.id) ?? null, write.set);
      }
    }
    for (const fact of facts) this.managedDelta += delta(users.get(fact.id) ?? null, fact.set);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
