import {
  GROUP_PROPERTIES,
  USER_PROPERTIES,
  type GroupRecord,
  type MemberRecord,
  type OtherObjectRecord,
  type UserRecord,
} from '../store/directory-types.js';

/** What `GET /users` returns without `$select` (v1.0): not accountEnabled, userType, department. */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;

export const DEFAULT_GROUP_PROPERTIES = [
  'deletedDateTime',
  'classification',
  'createdDateTime',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'visibility',
] as const;

export const USER_SELECTABLE: ReadonlySet<string> = new Set(['id', ...USER_PROPERTIES]);
export const GROUP_SELECTABLE: ReadonlySet<string> = new Set([
  'id',
  'deletedDateTime',
  'classification',
  ...GROUP_PROPERTIES,
  'members',
]);
/** Members listings hold several types; `$select` may name properties of any of them. */
export const MEMBER_SELECTABLE: ReadonlySet<string> = new Set([
  ...USER_SELECTABLE,
  ...GROUP_SELECTABLE,
  'appId',
  'deviceId',
]);

export const ODATA_TYPE: Record<MemberRecord['type'], string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  device: '#microsoft.graph.device',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
  orgContact: '#microsoft.graph.orgContact',
};

export interface SerializeOptions {
  /** null: the default property set. */
  select: readonly string[] | null;
  /** Members listings annotate each entry with its `@odata.type`. */
  withType: boolean;
}

export function serializeUser(
  user: UserRecord,
  options: SerializeOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = options.withType ? { '@odata.type': ODATA_TYPE.user } : {};
  out['id'] = user.id;
  const data = user.data as unknown as Record<string, unknown>;
  for (const key of options.select ?? DEFAULT_USER_PROPERTIES) {
    if (key !== 'id' && USER_SELECTABLE.has(key)) out[key] = data[key] ?? null;
  }
  return out;
}

export function serializeGroup(
  group: GroupRecord,
  options: SerializeOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = options.withType ? { '@odata.type': ODATA_TYPE.group } : {};
  out['id'] = group.id;
  const data = group.data as unknown as Record<string, unknown>;
  for (const key of options.select ?? DEFAULT_GROUP_PROPERTIES) {
    if (key === 'id' || key === 'members' || !GROUP_SELECTABLE.has(key)) continue;
    out[key] = data[key] ?? null;
  }
  return out;
}

function serializeOther(other: OtherObjectRecord, options: SerializeOptions) {
  const out: Record<string, unknown> = { '@odata.type': ODATA_TYPE[other.type], id: other.id };
  const wants = (key: string) => options.select === null || options.select.includes(key);
  if (wants('displayName')) out['displayName'] = other.displayName;
  if (other.type === 'servicePrincipal' && wants('appId')) out['appId'] = other.externalId;
  if (other.type === 'device' && wants('deviceId')) out['deviceId'] = other.externalId;
  return out;
}

export function serializeMember(member: MemberRecord, options: SerializeOptions) {
  switch (member.type) {
    case 'user':
      return serializeUser(member, options);
    case 'group':
      return serializeGroup(member, options);
    case 'device':
    case 'servicePrincipal':
    case 'orgContact':
      return serializeOther(member, options);
    default: {
      const unreachable: never = member;
      throw new Error(`unknown member ${JSON.stringify(unreachable)}`);
    }
  }
}
