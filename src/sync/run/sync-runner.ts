import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { SyncModels } from '../../db/models/sync-models.js';
import { currentLinks, type MirroredGroup } from '../../db/models/sync-state.model.js';
import { SyncMode, type ConnectorSyncConfig } from '../../domain/connector.js';
import type { EntraClientFactory } from '../../integrations/entra/graph-client.factory.js';
import { connectorGraph } from '../../integrations/entra/connector-graph.js';
import {
  DeltaResetError,
  type GraphReader,
  type GraphRetryPolicy,
  type GraphUsage,
} from '../../integrations/entra/graph-reader.js';
import type { TenantGate } from '../../integrations/entra/tenant-gate.js';
import { planGroups } from '../plan/group-planner.js';
import { ScopeState, type PlannedChange, type UserObservation } from '../plan/plan.types.js';
import { planScheduledDeletes, planUsers } from '../plan/user-planner.js';
import { DeltaReader, type DeltaRound } from '../../integrations/entra/delta-reader.js';
import { toEntraUser } from '../../integrations/entra/entra-user.js';
import {
  FullReader,
  SyncGroupGoneError,
  messageOf,
  rethrowAuth,
} from '../../integrations/entra/full-reader.js';
import { loadDirectoryState, loadGroups, type DirectoryState } from './directory-state.js';
import { executePlan } from './plan-executor.js';
import { DirectoryUserStatus } from '../../domain/directory.js';
import type { SyncRunCounts } from '../../domain/sync-run.js';
import { ChangeAction, ChangeObjectType, type ChangeEntry } from '../../domain/change.js';
import type { EntraGroupView } from '../../domain/entra.js';

export interface SyncRunnerDeps {
  models: SyncModels;
  entra: EntraClientFactory;
  gate: TenantGate;
  retry: GraphRetryPolicy;
  /** Selected groups listed in parallel (each request still takes a tenant gate slot). */
  groupConcurrency: number;
  pageSize?: number;
  logger: Logger;
}

export interface RunRequest {
  runId: string;
  config: ConnectorSyncConfig;
  mode: SyncMode;
  preview: boolean;
  usage: GraphUsage;
  /**
   * Aborted when the run was taken away from this instance (its lock or RUNNING status lost):
   * checked before the plan is written, between directory writes and before delta state is
   * saved, so a run that lost its lock stops writing what its successor now owns.
   */
  signal?: AbortSignal;
}

export interface RunOutcome {
  mode: SyncMode;
  counts: SyncRunCounts;
  changeCount: number;
  staged: number;
  withheld: number;
  notes: string[];
  entries: ChangeEntry[];
}

/** Reads Entra, plans with the rules, and executes through the rails: one run, full or delta. */
export class SyncRunner {
  constructor(private readonly deps: SyncRunnerDeps) {}

  async run(request: RunRequest): Promise<RunOutcome> {
    if (request.mode === SyncMode.DELTA && !request.preview) {
      const notes: string[] = [];
      const outcome = await this.delta(request, notes);
      if (outcome) return outcome;
      return this.full(request, notes);
    }
    return this.full(request, []);
  }

  private graph(request: RunRequest): GraphReader {
    return connectorGraph(
      this.deps,
      request.config,
      request.usage,
      this.deps.logger.child({ runId: request.runId }),
    );
  }

  private async full(request: RunRequest, notes: string[]): Promise<RunOutcome> {
    const { config, preview } = request;
    const { rules } = config;
    const graph = this.graph(request);
    const reader = new FullReader(
      graph,
      rules.includeNestedGroups,
      this.deps.groupConcurrency,
      this.deps.pageSize,
    );
    const deltaIds = [config.syncGroupId, ...config.syncedGroupIds];
    // Taken before reading: changes made during the read are replayed by the next delta round
    // (the apply is idempotent) instead of being lost.
    let links: { users: string; groups: string } | null = null;
    if (!preview && !rules.includeNestedGroups) {
      try {
        links = await new DeltaReader(graph).latestLinks(deltaIds);
      } catch (error) {
        rethrowAuth(error);
        notes.push(
          `Delta tracking could not start (${messageOf(error)}): the next run is a full sync.`,
        );
      }
    }
    const phases = new PhaseTimer();
    const scope = await reader.readScope(config.syncGroupId);
    phases.mark('readScope');
    let complete = scope.complete;
    if (scope.problem) notes.push(scope.problem);
    const dir = await loadDirectoryState(this.deps.models, config.companyId, config.connectorId);
    phases.mark('loadDirectory');

    const observations: UserObservation[] = [];
    for (const user of scope.members.values()) {
      observations.push({ entraId: user.id, state: ScopeState.MEMBER, user });
    }
    const departed = dir.ours
      .filter(
        (u) =>
          u.entraId && !scope.members.has(u.entraId) && u.status !== DirectoryUserStatus.DELETED,
      )
      .map((u) => u.entraId as string);
    let found: Map<string, ReturnType<typeof toEntraUser>> | null = null;
    if (complete && departed.length > 0) {
      try {
        found = await reader.existingUsers(departed);
      } catch (error) {
        rethrowAuth(error);
        complete = false;
        notes.push(
          `Users who left the sync group could not be looked up (${messageOf(error)}): no user was disabled or deleted in this run.`,
        );
      }
    }
    for (const id of departed) {
      const user = found?.get(id);
      observations.push({
        entraId: id,
        state: !found ? ScopeState.UNKNOWN : user ? ScopeState.REMOVED : ScopeState.DELETED,
        user: user ?? null,
      });
    }
    const userPlan = planUsers({
      companyId: config.companyId,
      connectorId: config.connectorId,
      rules,
      observations,
      byEntraId: dir.byEntraId,
      byEmailKey: dir.byEmailKey,
      seatLimit: config.seatLimit,
      seatsUsed: dir.seatsUsed,
      now: new Date(),
    });
    const changed = new Set(userPlan.changes.map((c) => c.objectId));
    const changes: PlannedChange[] = [
      ...userPlan.changes,
      ...planScheduledDeletes(
        dir.ours.filter((u) => !changed.has(u.entraId ?? '')),
        new Date(),
      ),
    ];

    let mirror: MirroredGroup[] | null = null;
    if (scope.complete) {
      const previous = await this.previousMirror(config.connectorId);
      phases.mark('planUsers');
      const snapshot = await reader.readGroups(config.syncedGroupIds);
      phases.mark('readGroups');
      const existing = await loadGroups(
        this.deps.models,
        config.companyId,
        config.connectorId,
        config.syncedGroupIds,
      );
      const selected = new Set(config.syncedGroupIds);
      const goneIds = new Set(snapshot.goneIds);
      for (const id of existing.keys()) if (!selected.has(id)) goneIds.add(id);
      for (const [id, message] of snapshot.failed) {
        changes.push(groupError(id, existing.get(id)?.name ?? id, message));
      }
      changes.push(
        ...planGroups({
          groups: snapshot.groups,
          goneIds,
          existing,
          inScope: userPlan.inScope,
          connectorId: config.connectorId,
        }),
      );
      mirror = [...snapshot.groups.values()].map((g) => ({
        id: g.id,
        name: g.name,
        memberIds: [...g.memberIds],
      }));
      for (const id of snapshot.failed.keys()) {
        const kept = previous.get(id);
        if (kept) mirror.push(kept);
      }
    } else {
      notes.push('Selected groups were not updated: the sync group could not be read completely.');
    }

    phases.mark('planGroups');
    request.signal?.throwIfAborted();
    const result = await executePlan(this.deps.models, {
      runId: request.runId,
      ...(request.signal ? { signal: request.signal } : {}),
      companyId: config.companyId,
      connectorId: config.connectorId,
      changes,
      facts: userPlan.facts,
      complete,
      rules,
      managedUsers: dir.managedUsers,
      preview,
    });
    if (!preview) {
      if (complete && links && mirror) {
        await this.saveState(config, links, mirror, true);
      } else if (!links && complete) {
        await this.deps.models.SyncState.deleteOne({ _id: config.connectorId });
      }
    }
    phases.mark('execute');
    this.deps.logger.info(
      {
        runId: request.runId,
        phasesMs: {
          ...phases.done(),
          apply: result.applyMs,
          applyUsers: result.applyUsersMs,
          applyGroups: result.applyGroupsMs,
          log: result.logMs,
        },
      },
      'full sync phases',
    );
    return { mode: SyncMode.FULL, ...result, notes: [...notes, ...withheldNote(result.withheld)] };
  }

  /** Null when the run must be a full sync instead (no usable delta state). */
  private async delta(request: RunRequest, notes: string[]): Promise<RunOutcome | null> {
    const { config } = request;
    const { rules } = config;
    const state = await this.deps.models.SyncState.findById(config.connectorId).lean();
    if (rules.includeNestedGroups) {
      notes.push('Nested group membership is read with a full sync.');
      return null;
    }
    const from = state ? currentLinks(state) : null;
    if (!state || !from || state.scopeKey !== scopeKey(config)) {
      notes.push('No delta state for this scope yet: ran a full sync.');
      return null;
    }
    const graph = this.graph(request);
    const groupIds = new Set([config.syncGroupId, ...config.syncedGroupIds]);
    let round: DeltaRound;
    try {
      round = await new DeltaReader(graph).round(from, groupIds);
    } catch (error) {
      if (!(error instanceof DeltaResetError)) throw error;
      notes.push(`Microsoft Graph reset the delta state (HTTP ${error.status}): ran a full sync.`);
      await this.deps.models.SyncState.deleteOne({ _id: config.connectorId });
      return null;
    }
    const links = { users: round.usersDeltaLink, groups: round.groupsDeltaLink };
    if (round.groups.get(config.syncGroupId)?.removed) throw new SyncGroupGoneError();
    if (round.groups.size === 0 && round.users.size === 0) {
      request.signal?.throwIfAborted();
      // Only the links moved: the group mirror (every member of every selected group) stays.
      await this.saveState(config, links, null, false);
      return { mode: SyncMode.DELTA, ...(await emptyResult(this.deps.models, request)), notes };
    }

    const phases = new PhaseTimer();
    const dir = await loadDirectoryState(this.deps.models, config.companyId, config.connectorId);
    phases.mark('loadDirectory');
    const observations = await this.deltaObservations(
      round,
      config,
      dir,
      new FullReader(graph, false, 1),
    );
    const userPlan = planUsers({
      companyId: config.companyId,
      connectorId: config.connectorId,
      rules,
      observations: observations.values(),
      byEntraId: dir.byEntraId,
      byEmailKey: dir.byEmailKey,
      seatLimit: config.seatLimit,
      seatsUsed: dir.seatsUsed,
      now: new Date(),
    });
    phases.mark('planUsers');
    const inScope = new Set<string>();
    for (const user of dir.ours) {
      if (user.entraId && user.entra?.inScope && user.status !== DirectoryUserStatus.DELETED)
        inScope.add(user.entraId);
    }
    for (const id of userPlan.decided) {
      if (userPlan.inScope.has(id)) inScope.add(id);
      else inScope.delete(id);
    }

    const mirror = new Map(
      state.groups.map((g) => [g.id, { ...g, memberIds: new Set(g.memberIds) }]),
    );
    const goneIds = new Set<string>();
    for (const change of round.groups.values()) {
      if (change.id === config.syncGroupId) continue;
      if (change.removed) {
        goneIds.add(change.id);
        mirror.delete(change.id);
        continue;
      }
      const group = mirror.get(change.id) ?? {
        id: change.id,
        name: change.name ?? change.id,
        memberIds: new Set<string>(),
      };
      if (change.name !== null) group.name = change.name;
      for (const id of change.added) group.memberIds.add(id);
      for (const id of change.dropped) group.memberIds.delete(id);
      mirror.set(change.id, group);
    }
    const views = new Map<string, EntraGroupView>(
      [...mirror.values()].map((g) => [
        g.id,
        { id: g.id, name: g.name, memberIds: [...g.memberIds] },
      ]),
    );
    const existing = await loadGroups(
      this.deps.models,
      config.companyId,
      config.connectorId,
      config.syncedGroupIds,
    );
    const changes = [
      ...userPlan.changes,
      ...planGroups({ groups: views, goneIds, existing, inScope, connectorId: config.connectorId }),
    ];
    phases.mark('planGroups');
    request.signal?.throwIfAborted();
    const result = await executePlan(this.deps.models, {
      runId: request.runId,
      ...(request.signal ? { signal: request.signal } : {}),
      companyId: config.companyId,
      connectorId: config.connectorId,
      changes,
      facts: userPlan.facts,
      complete: true,
      rules,
      managedUsers: dir.managedUsers,
      preview: false,
    });
    await this.saveState(
      config,
      links,
      [...views.values()].map((g) => ({ id: g.id, name: g.name, memberIds: [...g.memberIds] })),
      false,
    );
    phases.mark('execute');
    this.deps.logger.info(
      {
        runId: request.runId,
        phasesMs: {
          ...phases.done(),
          applyUsers: result.applyUsersMs,
          applyGroups: result.applyGroupsMs,
          log: result.logMs,
        },
      },
      'delta sync phases',
    );
    return { mode: SyncMode.DELTA, ...result, notes };
  }

  private async deltaObservations(
    round: DeltaRound,
    config: ConnectorSyncConfig,
    dir: DirectoryState,
    reader: FullReader,
  ): Promise<Map<string, UserObservation>> {
    const observations = new Map<string, UserObservation>();
    const sync = round.groups.get(config.syncGroupId);
    const toFetch: string[] = [];
    for (const id of sync?.dropped ?? []) {
      const change = round.users.get(id);
      if (change && change.raw === null) {
        observations.set(id, { entraId: id, state: ScopeState.DELETED, user: null });
      } else {
        observations.set(id, {
          entraId: id,
          state: ScopeState.REMOVED,
          user: change?.raw ? toEntraUser(change.raw) : null,
        });
      }
    }
    for (const id of sync?.added ?? []) {
      const raw = round.users.get(id)?.raw;
      if (raw && hasAllFields(raw))
        observations.set(id, { entraId: id, state: ScopeState.MEMBER, user: toEntraUser(raw) });
      else toFetch.push(id);
    }
    for (const change of round.users.values()) {
      if (observations.has(change.id) || toFetch.includes(change.id)) continue;
      const existing = dir.byEntraId.get(change.id);
      if (!existing?.entra?.inScope || existing.connectorId !== config.connectorId) continue;
      if (change.raw === null) {
        observations.set(change.id, { entraId: change.id, state: ScopeState.DELETED, user: null });
      } else if (hasAllFields(change.raw)) {
        observations.set(change.id, {
          entraId: change.id,
          state: ScopeState.MEMBER,
          user: toEntraUser(change.raw),
        });
      } else {
        toFetch.push(change.id);
      }
    }
    if (toFetch.length > 0) {
      const found = await reader.existingUsers(toFetch);
      for (const id of toFetch) {
        const user = found.get(id);
        const wasMember = sync?.added.has(id) || dir.byEntraId.get(id)?.entra?.inScope;
        if (user && wasMember)
          observations.set(id, { entraId: id, state: ScopeState.MEMBER, user });
        else if (!user && dir.byEntraId.has(id))
          observations.set(id, { entraId: id, state: ScopeState.DELETED, user: null });
      }
    }
    return observations;
  }

  private async previousMirror(connectorId: string): Promise<Map<string, MirroredGroup>> {
    const state = await this.deps.models.SyncState.findById(connectorId).lean();
    return new Map((state?.groups ?? []).map((g) => [g.id, g]));
  }

  private async saveState(
    config: ConnectorSyncConfig,
    links: { users: string; groups: string },
    /** Null: unchanged (an idle round rewrites only the links). */
    groups: MirroredGroup[] | null,
    full: boolean,
  ): Promise<void> {
    await this.deps.models.SyncState.updateOne(
      { _id: config.connectorId },
      {
        $set: {
          scopeKey: scopeKey(config),
          usersDeltaLink: links.users,
          groupsDeltaLink: links.groups,
          // Newer than anything the probe left (which no longer continues these links anyway).
          probe: null,
          ...(groups ? { groups } : {}),
          updatedAt: new Date(),
          checkedAt: new Date(),
          ...(full ? { lastFullSyncAt: new Date() } : {}),
        },
      },
      { upsert: true },
    );
  }
}

/** What the delta links were taken for: a different scope needs a full sync first. */
export function scopeKey(config: ConnectorSyncConfig): string {
  const r = config.rules;
  return createHash('sha256')
    .update(
      JSON.stringify([
        config.syncGroupId,
        [...config.syncedGroupIds].sort(),
        r.includeNestedGroups,
        r.includeGuests,
      ]),
    )
    .digest('base64url');
}

const FIELDS = ['displayName', 'accountEnabled', 'userPrincipalName'];
function hasAllFields(raw: Record<string, unknown>): boolean {
  return FIELDS.every((field) => field in raw);
}

function groupError(id: string, name: string, message: string): PlannedChange {
  return {
    objectType: ChangeObjectType.GROUP,
    objectId: id,
    label: name,
    action: ChangeAction.ERROR,
    rule: 'syncedGroups',
    before: null,
    after: null,
    message: `The group could not be read (${message}); it was left as it was.`,
    deprovision: false,
    write: null,
  };
}

function withheldNote(withheld: number): string[] {
  return withheld > 0
    ? [`${withheld} disable/delete changes were withheld because the data was incomplete.`]
    : [];
}

async function emptyResult(models: SyncModels, request: RunRequest) {
  return executePlan(models, {
    runId: request.runId,
    companyId: request.config.companyId,
    connectorId: request.config.connectorId,
    changes: [],
    facts: [],
    complete: true,
    rules: request.config.rules,
    managedUsers: 0,
    preview: false,
  });
}

/** Wall time per phase of a run, for the log line that explains a slow sync. */
class PhaseTimer {
  private last = performance.now();
  private readonly phases: Record<string, number> = {};

  mark(name: string): void {
    const now = performance.now();
    this.phases[name] = Math.round(now - this.last);
    this.last = now;
  }

  done(): Record<string, number> {
    return this.phases;
  }
}
