/**
 * Directory objects as the emulator stores them. Every change stamps the tenant's monotonically
 * increasing sequence number on the object (and on the property or membership it touched), so a
 * delta token only needs to carry "changes after seq N" plus its query shape.
 */
export type ObjectState = 'active' | 'softDeleted' | 'deleted';

export const USER_PROPERTIES = [
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'jobTitle',
  'department',
  'accountEnabled',
  'userType',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'businessPhones',
  'createdDateTime',
] as const;
export type UserProperty = (typeof USER_PROPERTIES)[number];

export interface UserData {
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  jobTitle: string | null;
  department: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  createdDateTime: string;
}

export const GROUP_PROPERTIES = [
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'visibility',
  'createdDateTime',
] as const;
export type GroupProperty = (typeof GROUP_PROPERTIES)[number];

export interface GroupData {
  displayName: string;
  description: string | null;
  mail: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  groupTypes: string[];
  visibility: string | null;
  createdDateTime: string;
}

/** Member types other than users and groups: they exist so consumers learn to skip them. */
export type OtherObjectType = 'device' | 'servicePrincipal' | 'orgContact';
export type DirectoryObjectType = 'user' | 'group' | OtherObjectType;

interface TrackedObject<P extends string> {
  id: string;
  /** Sequence number of the creation; also the listing order. */
  ord: number;
  state: ObjectState;
  /** Sequence of the last soft delete, restore or hard delete. */
  stateSeq: number;
  /** Sequence of the last change of each property. */
  propSeq: Partial<Record<P, number>>;
  /** Highest sequence of any change to this object, membership changes included. */
  lastSeq: number;
  /** Clock time of the (soft or hard) deletion. */
  deletedAt?: number;
}

export interface UserRecord extends TrackedObject<UserProperty> {
  type: 'user';
  data: UserData;
  /** Groups a soft-deleted user was in: restoring the user restores these memberships. */
  suspendedGroups?: string[];
}

export interface GroupRecord extends TrackedObject<GroupProperty> {
  type: 'group';
  data: GroupData;
  /** Sequence of the last membership change of this group. */
  memberSeq: number;
  suspendedGroups?: string[];
}

export interface OtherObjectRecord {
  type: OtherObjectType;
  id: string;
  ord: number;
  displayName: string;
  /** servicePrincipal: appId; device: deviceId. */
  externalId: string | null;
}

export type MemberRecord = UserRecord | GroupRecord | OtherObjectRecord;

/** What a subscriber (change notifications) hears about. */
export type DirectoryChange =
  | { resource: 'user'; id: string; kind: 'updated' | 'deleted'; seq: number }
  | {
      resource: 'group';
      id: string;
      kind: 'updated' | 'deleted';
      seq: number;
      membership: boolean;
    };
