import type { Logger } from 'pino';
import type { SyncModels } from '../../db/models/sync-models.js';
import { currentLinks, type ProbedLinks } from '../../db/models/sync-state.model.js';
import {
  SyncTrigger,
  type ConnectorRegistry,
  type ConnectorSyncConfig,
  type SyncRequester,
} from '../../domain/connector.js';
import {
  connectorGraph,
  type ConnectorGraphDeps,
} from '../../integrations/entra/connector-graph.js';
import type { GraphUsage } from '../../integrations/entra/graph-reader.js';
import { messageOf } from '../../integrations/entra/full-reader.js';
import { DeltaReader } from '../../integrations/entra/delta-reader.js';
import { scopeKey } from './delta-sync.js';

export interface DeltaProbeDeps extends ConnectorGraphDeps {
  models: SyncModels;
  registry: Pick<ConnectorRegistry, 'loadSyncConfig'>;
  syncRequester: SyncRequester;
  /** An idle round is written (checkedAt, links moved on) only when the last record is older. */
  recordIntervalMs: number;
  logger: Logger;
}

/** What one poll of a connector did. */
export type PollResult =
  /** Entra reported no change: no run; `recorded` when the check was written (see below). */
  | { kind: 'idle'; graphRequests: number; recorded: boolean }
  /** A POLL run was queued (changes found, or the probe could not decide: `reason`). */
  | { kind: 'sync'; reason: string }
  /** The connector is not active any more. */
  | { kind: 'inactive' };

/**
 * The one-minute poll of a connector. Most polls find nothing: rather than a sync run (a run
 * document, the run lock, status events, the outcome on the connector), the probe follows the
 * stored delta links (two Graph requests) and, when Entra reports no change, records the new
 * links beside the saved ones: one read of the state, one write, both by _id. Anything else
 * (changes, no delta state yet, a connector not CONNECTED, any error) queues a normal POLL run,
 * which owns every decision and status change and starts from the same links the probe did.
 *
 * The probe never writes the directory and never replaces links a run saved: its links say which
 * saved links they continue and count only while those are still the saved ones
 * (`currentLinks`), so it needs no lock and no conditional update.
 */
export class DeltaProbe {
  constructor(private readonly deps: DeltaProbeDeps) {}

  async poll(connectorId: string): Promise<PollResult> {
    const config = await this.deps.registry.loadSyncConfig(connectorId);
    if (!config) return { kind: 'inactive' };
    const usage: GraphUsage = { requests: 0, resourceUnits: 0, throttled: 0 };
    const reason = await this.idleRound(config, usage);
    if (typeof reason === 'boolean') {
      return { kind: 'idle', graphRequests: usage.requests, recorded: reason };
    }
    await this.deps.syncRequester.requestSync(connectorId, SyncTrigger.POLL);
    return { kind: 'sync', reason };
  }

  /**
   * Whether an idle round was recorded (true/false) when Entra had no change; otherwise why a
   * run is needed.
   */
  private async idleRound(
    config: ConnectorSyncConfig,
    usage: GraphUsage,
  ): Promise<string | boolean> {
    if (!config.settled) return 'the connector is not CONNECTED';
    if (config.rules.includeNestedGroups) return 'nested groups are read with a full sync';
    const state = await this.deps.models.SyncState.findById(config.connectorId, {
      scopeKey: 1,
      usersDeltaLink: 1,
      groupsDeltaLink: 1,
      probe: 1,
      checkedAt: 1,
    }).lean();
    const from = state ? currentLinks(state) : null;
    if (!state || !from || state.scopeKey !== scopeKey(config)) {
      return 'no delta state for this scope';
    }
    const graph = connectorGraph(
      this.deps,
      config,
      usage,
      this.deps.logger.child({ connectorId: config.connectorId, probe: true }),
    );
    let round;
    try {
      round = await new DeltaReader(graph).round(
        from,
        new Set([config.syncGroupId, ...config.syncedGroupIds]),
      );
    } catch (error) {
      return `the delta probe failed (${messageOf(error)})`;
    }
    if (round.groups.size > 0 || round.users.size > 0) return 'Entra reported changes';
    // Nothing changed, so nothing needs writing: the next round from the same links finds the
    // same nothing. The check is recorded (and the links moved on, well before Graph expires
    // them) once per interval: an idle poll is then reads and two Graph requests only, and the
    // offline database's writes (one at a time per database) stop bounding the poll rate.
    const last = state.checkedAt?.getTime() ?? 0;
    if (Date.now() - last < this.deps.recordIntervalMs) return false;
    // By _id alone (the offline database scans for any other filter); `from` names the saved
    // links this continues, so once a run saves newer ones these are ignored (currentLinks).
    const probe: ProbedLinks = {
      from: { users: state.usersDeltaLink!, groups: state.groupsDeltaLink! },
      to: { users: round.usersDeltaLink, groups: round.groupsDeltaLink },
    };
    await this.deps.models.SyncState.updateOne(
      { _id: config.connectorId },
      { $set: { probe, checkedAt: new Date() } },
    );
    return true;
  }
}
