/** The password manager's directory as the sync rules see it: statuses, reasons, keys. */

export enum DirectoryUserStatus {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
  /** A soft delete: the user can be restored (re-enabled). */
  DELETED = 'DELETED',
  PENDING_APPROVAL = 'PENDING_APPROVAL',
}

export enum ManagedBy {
  AZURE_AD = 'AZURE_AD',
}

/** Why a user is in its status, in terms the admin acts on. */
export enum DirectoryUserStatusReason {
  SEAT_LIMIT = 'SEAT_LIMIT',
  APPROVAL_REQUIRED = 'APPROVAL_REQUIRED',
  REMOVED_FROM_GROUP = 'REMOVED_FROM_GROUP',
  DISABLED_IN_ENTRA = 'DISABLED_IN_ENTRA',
  DELETED_IN_ENTRA = 'DELETED_IN_ENTRA',
  OFFBOARDING_ELAPSED = 'OFFBOARDING_ELAPSED',
}

/** What the hub last saw in Entra, so delta rounds re-plan a user without re-reading Graph. */
export interface EntraFacts {
  inScope: boolean;
  enabled: boolean;
  deleted: boolean;
  guest: boolean;
}

/** A directory user's fields as the sync reads and writes them, without storage details. */
export interface DirectoryUserFields {
  companyId: string;
  /** The Entra object id; null for users created by hand. */
  entraId: string | null;
  /** `${companyId}:${entraId}`, absent for hand-made users: unique per company (sparse). */
  entraKey?: string | undefined;
  email: string;
  /** `${companyId}:${lowercased email}`: one user per address per company. */
  emailKey: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  status: DirectoryUserStatus;
  statusReason: DirectoryUserStatusReason | null;
  managedBy: ManagedBy | null;
  connectorId: string | null;
  entra: EntraFacts | null;
  disabledAt: Date | null;
  /** Staged offboarding: soft-delete at this time (deleteAfterDays). */
  deleteAfter: Date | null;
  deletedAt: Date | null;
}

export const entraKeyOf = (companyId: string, entraId: string): string => `${companyId}:${entraId}`;
export const emailKeyOf = (companyId: string, email: string): string =>
  `${companyId}:${email.trim().toLowerCase()}`;

/** A directory user as the API shows it. */
export interface DirectoryUserRecord extends DirectoryUserFields {
  id: string;
  updatedAt: Date;
}

/** A directory group (a selected Entra group with members in scope) as the API shows it. */
export interface DirectoryGroupRecord {
  id: string;
  companyId: string;
  entraId: string;
  name: string;
  memberCount: number;
  managedBy: ManagedBy | null;
  connectorId: string | null;
}
