import type { DirectoryGroupDoc } from '../../db/models/directory-group.model.js';
import type { DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import {
  DirectoryUserStatus,
  ManagedBy,
  entraKeyOf,
  type DirectoryUserFields,
} from '../../domain/directory.js';
import type { ExistingGroup } from '../plan/group-planner.js';
import type { ExistingUser } from '../plan/plan.types.js';

/**
 * `$in` lists are sent in chunks this long: the offline database (FerretDB) tests each returned
 * document against the whole list, so its cost grows with the product of the two.
 */
const LOOKUP_CHUNK = 250;
/** Directory groups per reply: a connector's groups in one or few round trips. */
const GROUPS_BATCH = 2_000;

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

type UserRow = Pick<DirectoryUserDoc, '_id'> & Omit<ExistingUser, 'id'>;

/**
 * A run's reads of the company directory: only the users and groups a batch of observations
 * names, by indexed keys, and counts kept elsewhere; never the whole directory.
 */
export class DirectoryStore {
  constructor(
    private readonly models: SyncModels,
    readonly companyId: string,
    readonly connectorId: string,
  ) {}

  async usersByEntraId(entraIds: readonly string[]): Promise<Map<string, ExistingUser>> {
    const keys = entraIds.map((id) => entraKeyOf(this.companyId, id));
    const found = new Map<string, ExistingUser>();
    for (const user of await this.usersWhere('entraKey', keys)) {
      if (user.entraId) found.set(user.entraId, user);
    }
    return found;
  }

  async usersByEmailKey(emailKeys: readonly string[]): Promise<Map<string, ExistingUser>> {
    const found = new Map<string, ExistingUser>();
    for (const user of await this.usersWhere('emailKey', emailKeys)) found.set(user.emailKey, user);
    return found;
  }

  /** Whether the company has any directory user (from any connector, or none). */
  async hasUsers(): Promise<boolean> {
    const one = await this.models.DirectoryUser.findOne(
      { companyId: this.companyId },
      { _id: 1 },
    ).lean();
    return one !== null;
  }

  /** ACTIVE users of the company: the seats in use. */
  countSeatsUsed(): Promise<number> {
    return this.models.DirectoryUser.countDocuments({
      companyId: this.companyId,
      status: DirectoryUserStatus.ACTIVE,
    });
  }

  /** The connector's managed users that are not deleted: the mass-change guard's base. */
  countManaged(): Promise<number> {
    return this.models.DirectoryUser.countDocuments(this.managedFilter());
  }

  /** Entra ids of the connector's managed, not deleted users (a full sync's sweep). */
  async *managedEntraIds(): AsyncGenerator<string> {
    const cursor = this.models.DirectoryUser.collection.find(this.managedFilter(), {
      projection: { entraId: 1 },
      batchSize: 5_000,
    });
    for await (const doc of cursor) {
      const entraId = (doc as { entraId?: string | null }).entraId;
      if (entraId) yield entraId;
    }
  }

  /** Users whose staged offboarding is due (`deleteAfterDays`). */
  async offboardingDue(now: Date): Promise<ExistingUser[]> {
    const docs = await this.models.DirectoryUser.find(
      {
        connectorId: this.connectorId,
        status: DirectoryUserStatus.DISABLED,
        managedBy: ManagedBy.AZURE_AD,
        deleteAfter: { $ne: null, $lte: now },
      },
      USER_FIELDS,
    ).lean<UserRow[]>();
    return docs.map(toExisting);
  }

  /** The connector's directory groups, plus released ones among the selected ids. */
  async groups(selectedIds: readonly string[]): Promise<Map<string, ExistingGroup>> {
    const fields = { _id: 1, entraId: 1, name: 1, memberCount: 1, managedBy: 1, connectorId: 1 };
    // Two indexed queries rather than one `$or`, which the offline database cannot push down;
    // the second only for selected groups that are not the connector's (released ones).
    const ours = await this.models.DirectoryGroup.find({ connectorId: this.connectorId }, fields)
      .batchSize(GROUPS_BATCH)
      .lean<DirectoryGroupDoc[]>();
    const known = new Set(ours.map((doc) => doc.entraId));
    const others = selectedIds.filter((id) => !known.has(id));
    const selected =
      others.length === 0
        ? []
        : await this.models.DirectoryGroup.find(
            { entraKey: { $in: others.map((id) => entraKeyOf(this.companyId, id)) } },
            fields,
          )
            .batchSize(GROUPS_BATCH)
            .lean<DirectoryGroupDoc[]>();
    const groups = new Map<string, ExistingGroup>();
    for (const doc of [...ours, ...selected]) {
      groups.set(doc.entraId, {
        id: doc._id.toHexString(),
        entraId: doc.entraId,
        name: doc.name,
        memberCount: doc.memberCount ?? 0,
        managedBy: doc.managedBy,
        connectorId: doc.connectorId,
      });
    }
    return groups;
  }

  private async usersWhere(field: 'entraKey' | 'emailKey', values: readonly string[]) {
    const unique = [...new Set(values)];
    const users: ExistingUser[] = [];
    for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
      const docs = await this.models.DirectoryUser.find(
        { [field]: { $in: unique.slice(i, i + LOOKUP_CHUNK) } },
        USER_FIELDS,
      ).lean<UserRow[]>();
      for (const doc of docs) users.push(toExisting(doc));
    }
    return users;
  }

  private managedFilter() {
    return {
      connectorId: this.connectorId,
      managedBy: ManagedBy.AZURE_AD,
      status: { $ne: DirectoryUserStatus.DELETED },
    };
  }
}

function toExisting(doc: UserRow): ExistingUser {
  const { _id, ...fields } = doc;
  return { ...fields, id: _id.toHexString() };
}

/** Whether a user counts in the guard's base: managed by the connector and not deleted. */
export function countsAsManaged(
  user: Pick<DirectoryUserFields, 'managedBy' | 'connectorId' | 'status'> | null,
  connectorId: string,
): boolean {
  return (
    user !== null &&
    user.managedBy === ManagedBy.AZURE_AD &&
    user.connectorId === connectorId &&
    user.status !== DirectoryUserStatus.DELETED
  );
}
