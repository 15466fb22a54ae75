import type { Logger } from 'pino';
import type { SyncModels } from '../../db/models/sync-models.js';
import {
  SyncTrigger,
  type ConnectorRegistry,
  type ConnectorSyncConfig,
  type SyncRequester,
} from '../../domain/connector.js';
import { connectorGraph, type ConnectorGraphDeps } from '../graph/connector-graph.js';
import type { GraphUsage } from '../graph/graph-reader.js';
import { messageOf } from '../read/full-reader.js';
import { DeltaReader } from '../read/delta-reader.js';
import { scopeKey } from './sync-runner.js';

export interface DeltaProbeDeps extends ConnectorGraphDeps {
  models: SyncModels;
  registry: Pick<ConnectorRegistry, 'loadSyncConfig'>;
  syncRequester: SyncRequester;
  logger: Logger;
}

/** What one poll of a connector did. */
export type PollResult =
  /** Entra reported no change: only the delta links moved, no run was created. */
  | { kind: 'idle'; graphRequests: number }
  /** A POLL run was queued (changes found, or the probe could not decide: `reason`). */
  | { kind: 'sync'; reason: string }
  /** The connector is not active any more. */
  | { kind: 'inactive' };

/**
 * The one-minute poll of a connector. Most polls find nothing: rather than a sync run (a run
 * document, the run lock, status events, the outcome on the connector), the probe follows the
 * stored delta links (two Graph requests) and, when Entra reports no change, stores the new
 * links with a conditional update: one read of the state, one write. Anything else (changes, no
 * delta state yet, a connector not CONNECTED, any error) queues a normal POLL run, which owns
 * every decision and status change; the run reads from the links the probe left untouched.
 *
 * The probe never writes the directory and never overwrites links a run has moved meanwhile (the
 * update matches the links it started from), so it needs no lock.
 */
export class DeltaProbe {
  constructor(private readonly deps: DeltaProbeDeps) {}

  async poll(connectorId: string): Promise<PollResult> {
    const config = await this.deps.registry.loadSyncConfig(connectorId);
    if (!config) return { kind: 'inactive' };
    const usage: GraphUsage = { requests: 0, resourceUnits: 0, throttled: 0 };
    const reason = await this.idleRound(config, usage);
    if (reason === null) return { kind: 'idle', graphRequests: usage.requests };
    await this.deps.syncRequester.requestSync(connectorId, SyncTrigger.POLL);
    return { kind: 'sync', reason };
  }

  /** Null when Entra had no change and the links were moved on; otherwise why a run is needed. */
  private async idleRound(config: ConnectorSyncConfig, usage: GraphUsage): Promise<string | null> {
    if (!config.settled) return 'the connector is not CONNECTED';
    if (config.rules.includeNestedGroups) return 'nested groups are read with a full sync';
    const state = await this.deps.models.SyncState.findById(config.connectorId, {
      scopeKey: 1,
      usersDeltaLink: 1,
      groupsDeltaLink: 1,
    }).lean();
    if (!state?.usersDeltaLink || !state.groupsDeltaLink || state.scopeKey !== scopeKey(config)) {
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
        { users: state.usersDeltaLink, groups: state.groupsDeltaLink },
        new Set([config.syncGroupId, ...config.syncedGroupIds]),
      );
    } catch (error) {
      return `the delta probe failed (${messageOf(error)})`;
    }
    if (round.groups.size > 0 || round.users.size > 0) return 'Entra reported changes';
    await this.deps.models.SyncState.updateOne(
      {
        _id: config.connectorId,
        usersDeltaLink: state.usersDeltaLink,
        groupsDeltaLink: state.groupsDeltaLink,
      },
      {
        $set: {
          usersDeltaLink: round.usersDeltaLink,
          groupsDeltaLink: round.groupsDeltaLink,
          checkedAt: new Date(),
        },
      },
    );
    return null;
  }
}
