import type { SyncModels } from '../../db/models/sync-models.js';
import type { ExistingGroup } from '../plan/group-planner.js';
import type { ExistingUser } from '../plan/plan.types.js';
import type { PlannedOwner } from '../plan/user-planner.js';
import { DirectoryUserStatus, ManagedBy, entraKeyOf } from '../../domain/directory.js';

export interface DirectoryState {
  byEntraId: Map<string, ExistingUser>;
  byEmailKey: Map<string, ExistingUser | PlannedOwner>;
  /** This connector's users. */
  ours: ExistingUser[];
  seatsUsed: number;
  /** The connector's users that are not deleted: the mass-change guard's base. */
  managedUsers: number;
}

const USER_FIELDS = {
  _id: 1,
  entraId: 1,
  email: 1,
  emailKey: 1,
  displayName: 1,
  givenName: 1,
  surname: 1,
  status: 1,
  statusReason: 1,
  managedBy: 1,
  connectorId: 1,
  entra: 1,
  disabledAt: 1,
  deleteAfter: 1,
  deletedAt: 1,
} as const;

/** The company's directory users, read once per run in one streamed query. */
export async function loadDirectoryState(
  models: SyncModels,
  companyId: string,
  connectorId: string,
): Promise<DirectoryState> {
  const state: DirectoryState = {
    byEntraId: new Map(),
    byEmailKey: new Map(),
    ours: [],
    seatsUsed: 0,
    managedUsers: 0,
  };
  const cursor = models.DirectoryUser.collection.find(
    { companyId },
    { projection: USER_FIELDS, batchSize: 5_000 },
  );
  for await (const doc of cursor) {
    const user = doc as unknown as ExistingUser;
    if (user.entraId) state.byEntraId.set(user.entraId, user);
    state.byEmailKey.set(user.emailKey, user);
    if (user.status === DirectoryUserStatus.ACTIVE) state.seatsUsed += 1;
    if (user.managedBy === ManagedBy.AZURE_AD && user.connectorId === connectorId) {
      state.ours.push(user);
      if (user.status !== DirectoryUserStatus.DELETED) state.managedUsers += 1;
    }
  }
  return state;
}

/** The connector's directory groups, plus released ones among the selected ids. */
export async function loadGroups(
  models: SyncModels,
  companyId: string,
  connectorId: string,
  selectedIds: readonly string[],
): Promise<Map<string, ExistingGroup>> {
  const docs = await models.DirectoryGroup.find(
    {
      $or: [
        { connectorId },
        { entraKey: { $in: selectedIds.map((id) => entraKeyOf(companyId, id)) } },
      ],
    },
    { _id: 1, entraId: 1, name: 1, memberIds: 1, entraMemberIds: 1, managedBy: 1, connectorId: 1 },
  ).lean<ExistingGroup[]>();
  return new Map(docs.map((doc) => [doc.entraId, doc]));
}
