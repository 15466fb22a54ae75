import type {
  DeltaLinks,
  SelectedGroupState,
  SyncStateDoc,
  SyncStateModel,
} from '../../db/models/sync-state.model.js';

export interface SavedState {
  scopeKey: string;
  /** Undefined: an incomplete full sync, the saved links (and their scope) stay as they were. */
  links: DeltaLinks | null | undefined;
  managedUsers: number | null;
  selectedGroups: SelectedGroupState[];
  /** A full sync: `lastFullSyncAt` moves too. */
  full: boolean;
}

/**
 * A connector's sync state, read and written by `_id` alone (the offline database scans for any
 * other filter). Everything in it is bounded: links, two counters, one entry per selected group.
 */
export class SyncStateStore {
  constructor(private readonly model: SyncStateModel) {}

  load(connectorId: string): Promise<SyncStateDoc | null> {
    return this.model.findById(connectorId).lean<SyncStateDoc>();
  }

  /** Before a run's first directory write: until `save`, the counters are not to be trusted. */
  async markPending(connectorId: string, runId: string): Promise<void> {
    await this.model.updateOne({ _id: connectorId }, { $set: { pendingRunId: runId } });
  }

  async save(connectorId: string, state: SavedState): Promise<void> {
    const now = new Date();
    const links =
      state.links === undefined
        ? {}
        : {
            scopeKey: state.scopeKey,
            usersDeltaLink: state.links?.users ?? null,
            groupsDeltaLink: state.links?.groups ?? null,
            // Newer than anything the probe left (which no longer continues these links anyway).
            probe: null,
          };
    await this.model.updateOne(
      { _id: connectorId },
      {
        ...(state.links === undefined ? { $setOnInsert: { scopeKey: '' } } : {}),
        $set: {
          ...links,
          managedUsers: state.managedUsers,
          pendingRunId: null,
          selectedGroups: state.selectedGroups,
          updatedAt: now,
          checkedAt: now,
          ...(state.full ? { lastFullSyncAt: now } : {}),
        },
      },
      { upsert: true },
    );
  }

  /** An idle round: only the links moved. */
  async saveLinks(connectorId: string, links: DeltaLinks): Promise<void> {
    const now = new Date();
    await this.model.updateOne(
      { _id: connectorId },
      {
        $set: {
          usersDeltaLink: links.users,
          groupsDeltaLink: links.groups,
          probe: null,
          updatedAt: now,
          checkedAt: now,
        },
      },
    );
  }

  async clear(connectorId: string): Promise<void> {
    await this.model.deleteOne({ _id: connectorId });
  }
}

/** The guard's base as stored, or null when a run stopped half-way since it was kept. */
export function trustedManagedUsers(state: SyncStateDoc | null): number | null {
  if (!state || state.pendingRunId) return null;
  return typeof state.managedUsers === 'number' ? state.managedUsers : null;
}
