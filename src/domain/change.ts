/** One change a sync run made (or would make) in the directory, as logged and shown. */

export enum ChangeObjectType {
  USER = 'USER',
  GROUP = 'GROUP',
}

export enum ChangeAction {
  CREATE = 'CREATE',
  CREATE_PENDING_APPROVAL = 'CREATE_PENDING_APPROVAL',
  LINK = 'LINK',
  UPDATE = 'UPDATE',
  ENABLE = 'ENABLE',
  DISABLE = 'DISABLE',
  DELETE = 'DELETE',
  GROUP_CREATE = 'GROUP_CREATE',
  GROUP_UPDATE = 'GROUP_UPDATE',
  GROUP_REMOVE = 'GROUP_REMOVE',
  /** A per-object failure (duplicate email, rejected record): nothing was written. */
  ERROR = 'ERROR',
}

export enum ChangeState {
  APPLIED = 'APPLIED',
  /** Held by the mass-change guard until the run is approved or rejected. */
  STAGED = 'STAGED',
  REJECTED = 'REJECTED',
  /** Withheld: deprovisioning on incomplete data, or the object changed before approval. */
  SKIPPED = 'SKIPPED',
  FAILED = 'FAILED',
  /** previewSync only. */
  PLANNED = 'PLANNED',
}

export interface ChangeEntry {
  seq: number;
  objectType: ChangeObjectType;
  /** Entra object id. */
  objectId: string;
  /** Email or group name, for people reading the log. */
  label: string;
  action: ChangeAction;
  /** The sync rule that caused the change (e.g. `userRemovedFromGroup`). */
  rule: string;
  state: ChangeState;
  /** The touched fields before and after. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  message: string | null;
  /** STAGED only: the write to perform if the run is approved. */
  pending?: { userId: string; set: Record<string, unknown>; expectStatus: string } | null;
}
