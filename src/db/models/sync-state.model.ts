import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Delta state per connector, small and bounded: the links, the counters the rails need, and one
 * entry per selected group (at most 250). Memberships live in `directory_group_members`.
 *
 * The links are written only after the changes they cover were applied, so a crash in between
 * replays those changes (the apply is idempotent) instead of losing them.
 */
export interface SyncStateDoc {
  /** The connector id. */
  _id: string;
  /** Sync group, selected groups and scope rules the links were taken for; a change forces FULL. */
  scopeKey: string;
  usersDeltaLink: string | null;
  groupsDeltaLink: string | null;
  lastFullSyncAt: Date | null;
  /** The last time Entra was asked for changes and the directory found up to date with them. */
  checkedAt: Date | null;
  /**
   * Links moved on by the poll's probe (an idle round), valid only while `from` still equals the
   * links above: a run that saved newer links makes them stale without having to clear them.
   * Kept apart so the probe writes by `_id` alone (see `currentLinks`).
   */
  probe: ProbedLinks | null;
  /**
   * The connector's managed users that are not deleted: the mass-change guard's base. Kept by
   * the runs and approvals that change it; a full sync that finds it off recounts it (null: not
   * known yet, counted when needed).
   */
  managedUsers: number | null;
  /**
   * Set while a run writes the directory, cleared when it saves the state: found set, the run
   * stopped half-way and `managedUsers` no longer says what the directory holds.
   */
  pendingRunId: string | null;
  /** The selected groups as Entra last reported them, with their stored membership counts. */
  selectedGroups: SelectedGroupState[];
  updatedAt: Date;
}

export interface SelectedGroupState {
  id: string;
  name: string;
  /** Membership documents stored for the group (every user member, in scope or not). */
  edges: number;
  /** Of those, the members in scope: the directory group's `memberCount`. */
  members: number;
}

export interface DeltaLinks {
  users: string;
  groups: string;
}

export interface ProbedLinks {
  from: DeltaLinks;
  to: DeltaLinks;
}

/** The links the next delta round starts from: the probe's when they continue the saved ones. */
export function currentLinks(
  state: Pick<SyncStateDoc, 'usersDeltaLink' | 'groupsDeltaLink' | 'probe'>,
): DeltaLinks | null {
  if (!state.usersDeltaLink || !state.groupsDeltaLink) return null;
  const probe = state.probe;
  if (
    probe &&
    probe.from.users === state.usersDeltaLink &&
    probe.from.groups === state.groupsDeltaLink
  ) {
    return probe.to;
  }
  return { users: state.usersDeltaLink, groups: state.groupsDeltaLink };
}

const schema = new Schema<SyncStateDoc>(
  {
    _id: { type: String, required: true },
    scopeKey: { type: String, required: true },
    usersDeltaLink: { type: String, default: null },
    groupsDeltaLink: { type: String, default: null },
    lastFullSyncAt: { type: Date, default: null },
    checkedAt: { type: Date, default: null },
    probe: { type: Schema.Types.Mixed, default: null },
    managedUsers: { type: Number, default: null },
    pendingRunId: { type: String, default: null },
    selectedGroups: { type: Schema.Types.Mixed, default: () => [] },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { collection: 'sync_states', versionKey: false },
);

export type SyncStateModel = Model<SyncStateDoc>;

export function syncStateModel(connection: Connection): SyncStateModel {
  return connection.model<SyncStateDoc>('SyncState', schema);
}
