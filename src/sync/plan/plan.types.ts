import type { ChangeAction, ChangeObjectType } from '../../domain/change.js';
import type {
  DirectoryUserFields,
  DirectoryUserStatus,
  EntraFacts,
  ManagedBy,
} from '../../domain/directory.js';
import type { EntraUser } from '../../domain/entra.js';

/** Where a user stands in Entra relative to the scope, as far as this run knows. */
export enum ScopeState {
  /** In the sync group (`user` carries the attributes). */
  MEMBER = 'MEMBER',
  /** Exists in Entra but is no longer in the sync group. */
  REMOVED = 'REMOVED',
  /** Deleted in Entra (soft or hard). */
  DELETED = 'DELETED',
  /** Left the scope, but whether it was removed or deleted could not be read: no deprovisioning. */
  UNKNOWN = 'UNKNOWN',
}

/** One user as a full listing, a sweep or a delta round saw it: the planners' only input. */
export interface UserObservation {
  entraId: string;
  state: ScopeState;
  user: EntraUser | null;
}

/** A directory user as the planner sees it; `id` is the directory's own id (hex). */
export type ExistingUser = Pick<
  DirectoryUserFields,
  | 'entraId'
  | 'email'
  | 'emailKey'
  | 'displayName'
  | 'givenName'
  | 'surname'
  | 'status'
  | 'statusReason'
  | 'managedBy'
  | 'connectorId'
  | 'entra'
  | 'disabledAt'
  | 'deleteAfter'
  | 'deletedAt'
> & { id: string };

/** A user to insert; the directory assigns its id. */
export type NewUserDoc = DirectoryUserFields;

export interface PlannedChange {
  objectType: ChangeObjectType;
  objectId: string;
  label: string;
  action: ChangeAction;
  rule: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  message: string | null;
  /** Disable/delete: withheld on incomplete data, counted by the mass-change guard. */
  deprovision: boolean;
  write: UserWrite | GroupWrite | null;
}

export type UserWrite =
  | { kind: 'insertUser'; doc: NewUserDoc }
  | {
      kind: 'updateUser';
      id: string;
      set: Partial<DirectoryUserFields>;
      /** The status the change was planned from: approval re-checks it before applying. */
      expectStatus: DirectoryUserStatus;
    };

/** Directory group writes; memberships are written apart, edge by edge (membership store). */
export type GroupWrite =
  | {
      kind: 'insertGroup';
      entraId: string;
      name: string;
      memberCount: number;
      /**
       * Its members in scope when the run has just listed them all (its feed events name them);
       * absent: the feed reads them from the membership store.
       */
      members?: Iterable<string>;
    }
  | {
      kind: 'updateGroup';
      id: string;
      entraId: string;
      set: {
        name?: string;
        memberCount?: number;
        managedBy?: ManagedBy;
        connectorId?: string;
      };
    }
  | { kind: 'releaseGroup'; id: string; entraId: string };

/** Writes that only refresh what the hub knows about Entra (no visible change, not logged). */
export interface FactsWrite {
  id: string;
  set: Partial<DirectoryUserFields> & { entra: EntraFacts };
}

export interface UserPlan {
  changes: PlannedChange[];
  facts: FactsWrite[];
  /**
   * Every observed user the plan decided on, and whether it is in scope after the plan (synced,
   * a member, not deleted): what the selected groups' memberships follow.
   */
  scope: Map<string, boolean>;
}
