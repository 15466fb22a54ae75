import type { SyncMode, SyncTrigger } from './connector.js';
import type { ErrorCode } from './errors.js';

/** A sync run as the API and the engine see it: statuses, approval, counts. */

export enum SyncRunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  /** Finished, but some objects failed or deprovisioning was withheld (see notes). */
  PARTIAL = 'PARTIAL',
  /** Deprovisioning above the mass-change threshold is staged until approved or rejected. */
  NEEDS_APPROVAL = 'NEEDS_APPROVAL',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export const FINISHED_STATUSES: readonly SyncRunStatus[] = [
  SyncRunStatus.SUCCEEDED,
  SyncRunStatus.PARTIAL,
  SyncRunStatus.NEEDS_APPROVAL,
  SyncRunStatus.FAILED,
  SyncRunStatus.CANCELLED,
];

export enum ApprovalState {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  /** A later run re-planned deprovisioning: this one's staged changes no longer apply. */
  SUPERSEDED = 'SUPERSEDED',
}

export interface SyncRunCounts {
  usersCreated: number;
  usersUpdated: number;
  usersEnabled: number;
  usersDisabled: number;
  usersDeleted: number;
  usersPending: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsRemoved: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  errors: number;
  staged: number;
}

export const emptyCounts = (): SyncRunCounts => ({
  usersCreated: 0,
  usersUpdated: 0,
  usersEnabled: 0,
  usersDisabled: 0,
  usersDeleted: 0,
  usersPending: 0,
  groupsCreated: 0,
  groupsUpdated: 0,
  groupsRemoved: 0,
  membershipsAdded: 0,
  membershipsRemoved: 0,
  errors: 0,
  staged: 0,
});

/**
 * Why a run's Entra data was incomplete (the run is PARTIAL, the connector ERROR with
 * ENTRA_DATA_INCOMPLETE): each problem is also one of the run's notes, in English.
 */
export enum SyncRunProblemCode {
  /** Listing the sync group's members failed part way: nobody was deprovisioned. */
  GROUP_MEMBERS_UNREADABLE = 'GROUP_MEMBERS_UNREADABLE',
  /** Users who left the sync group could not be looked up: nobody was deprovisioned. */
  LEAVERS_UNREADABLE = 'LEAVERS_UNREADABLE',
  /** Disables and deletes were withheld because the data was incomplete. */
  DEPROVISIONING_WITHHELD = 'DEPROVISIONING_WITHHELD',
}

export interface SyncRunProblem {
  code: SyncRunProblemCode;
  message: string;
}

export interface SyncRunError {
  code: ErrorCode;
  message: string;
}

export interface SyncRunApproval {
  state: ApprovalState;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/** A sync run as the API shows it: what ran, how it ended, what it did. */
export interface SyncRunRecord {
  id: string;
  connectorId: string;
  companyId: string;
  partnerId: string;
  trigger: SyncTrigger;
  /** What ran (a DELTA request can become FULL: no delta state, or the token expired). */
  mode: SyncMode;
  status: SyncRunStatus;
  /** Triggers folded into this run while it was queued. */
  coalesced: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: SyncRunCounts;
  graphRequests: number;
  resourceUnits: number;
  changeCount: number;
  error: SyncRunError | null;
  notes: string[];
  /** The notes that made the run PARTIAL for want of data, with their codes. */
  problems: SyncRunProblem[];
  approval: SyncRunApproval | null;
}
