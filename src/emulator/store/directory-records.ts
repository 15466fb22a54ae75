import type { GroupData, UserData } from './directory-types.js';

/** What the control API and the generator give to create a user (`id`: a GUID to reuse). */
export type UserInput = Partial<UserData> &
  Pick<UserData, 'displayName' | 'userPrincipalName'> & {
    id?: string;
  };
export type GroupInput = Partial<GroupData> & Pick<GroupData, 'displayName'> & { id?: string };

/** A new user's properties: Entra's defaults, then what the input gives. */
export function newUserData(input: UserInput, createdDateTime: string): UserData {
  const guest = input.userType === 'Guest';
  const data: UserData = {
    givenName: null,
    surname: null,
    mail: null,
    jobTitle: null,
    department: null,
    accountEnabled: true,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: guest ? null : 'en-US',
    businessPhones: [],
    createdDateTime,
    ...stripUndefined(input),
    displayName: input.displayName,
    userPrincipalName: input.userPrincipalName,
    userType: guest ? 'Guest' : 'Member',
  };
  delete (data as { id?: string }).id;
  return data;
}

/** A new group's properties; a mail-enabled group gets an address in the tenant's domain. */
export function newGroupData(
  input: GroupInput,
  createdDateTime: string,
  defaultDomain: string,
): GroupData {
  const nickname = input.mailNickname ?? slug(input.displayName);
  const data: GroupData = {
    description: null,
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: [],
    visibility: null,
    createdDateTime,
    mail: input.mailEnabled ? `${nickname}@${defaultDomain}` : null,
    ...stripUndefined(input),
    displayName: input.displayName,
    mailNickname: nickname,
  };
  delete (data as { id?: string }).id;
  return data;
}

/** The change-tracking fields of an object created at `seq`. */
export function freshTracking(id: string, seq: number) {
  return { id, ord: seq, state: 'active' as const, stateSeq: seq, propSeq: {}, lastSeq: seq };
}

/** `current` with the defined values of `patch` over it. */
export function patched<T extends object>(current: T, patch: Partial<T>): T {
  return { ...current, ...stripUndefined(patch) };
}

/** The properties `patch` really changes (deep comparison; `id` never changes). */
export function changedKeys<T extends object>(current: T, patch: Partial<T>): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'id') continue;
    const before = (current as Record<string, unknown>)[key];
    if (JSON.stringify(before) !== JSON.stringify(value)) keys.push(key);
  }
  return keys;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '').slice(0, 56) || 'group';
}
