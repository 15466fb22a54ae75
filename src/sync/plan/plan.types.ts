import type { EntraUser } from '../../domain/entra.js';
import type { Types } from 'mongoose';
import type { DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import type {
  ManagedBy,
  DirectoryUserStatus,
  DirectoryUserStatusReason,
  EntraFacts,
} from '../../domain/directory.js';
import type { ChangeAction, ChangeObjectType } from '../../domain/change.js';

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

export interface UserObservation {
  entraId: string;
  state: ScopeState;
  user: EntraUser | null;
}

/** The directory fields a user change touches. */
export type UserFields = Pick<
  DirectoryUserDoc,
  | 'email'
  | 'displayName'
  | 'givenName'
  | 'surname'
  | 'status'
  | 'statusReason'
  | 'disabledAt'
  | 'deleteAfter'
  | 'deletedAt'
>;

export type ExistingUser = Pick<
  DirectoryUserDoc,
  | '_id'
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
>;

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
  | { kind: 'insertUser'; doc: Omit<DirectoryUserDoc, 'createdAt' | 'updatedAt'> }
  | {
      kind: 'updateUser';
      id: Types.ObjectId;
      set: Partial<DirectoryUserDoc>;
      /** The status the change was planned from: approval re-checks it before applying. */
      expectStatus: DirectoryUserStatus;
    };

export type GroupWrite =
  | {
      kind: 'insertGroup';
      entraId: string;
      name: string;
      memberIds: string[];
      entraMemberIds: string[];
    }
  | {
      kind: 'updateGroup';
      id: Types.ObjectId;
      entraId: string;
      set: {
        name?: string;
        memberIds?: string[];
        entraMemberIds?: string[];
        managedBy?: ManagedBy;
        connectorId?: string;
      };
    }
  | { kind: 'releaseGroup'; id: Types.ObjectId; entraId: string };

/** Writes that only refresh what the hub knows about Entra (no visible change, not logged). */
export interface FactsWrite {
  id: Types.ObjectId;
  set: Partial<DirectoryUserDoc> & { entra: EntraFacts };
}

export interface UserPlan {
  changes: PlannedChange[];
  facts: FactsWrite[];
  /** Entra ids in scope after the plan (synced users that are sync group members). */
  inScope: Set<string>;
  /** Entra ids the plan decided on (delta: users whose scope membership may have changed). */
  decided: Set<string>;
}

export type { DirectoryUserStatusReason };
