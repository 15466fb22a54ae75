import { newGuid } from '../util/guid.js';
import {
  DEPARTMENTS,
  FIRST_NAMES,
  GROUP_QUALIFIERS,
  GROUP_TOPICS,
  JOB_TITLES,
  LAST_NAMES,
  PARTNER_DOMAINS,
  pick,
  REGIONS,
  seededRandom,
} from './names.js';
import type { TenantDirectory } from './tenant-directory.js';

export interface GenerateOptions {
  users: number;
  groups: number;
  /** Share of users who are B2B guests (`#EXT#` UPN, address in `mail`). Default 0.05. */
  guestShare?: number;
  /** Share of users with `accountEnabled: false`. Default 0.03. */
  disabledShare?: number;
  /** Average group memberships per user (beside the sync group). Default min(10, groups). */
  membershipsPerUser?: number;
  /** Share of groups that contain one or two other groups. Default 0.1. */
  nestedGroupShare?: number;
  /** Display name of the group the connector syncs. Default "Password Boss Users". */
  syncGroupName?: string;
  /** Users in the sync group. Default min(users, 25). */
  syncGroupMembers?: number;
  /** Devices and service principals added to the sync group, for consumers to skip. Default 0. */
  syncGroupNonUserMembers?: number;
  seed?: number;
}

export interface GenerateResult {
  syncGroupId: string;
  userIds: string[];
  groupIds: string[];
  guestIds: string[];
  disabledIds: string[];
  memberships: number;
  durationMs: number;
}

/**
 * Fills a tenant with plausible people and groups: departments, regional and project groups,
 * some nesting, some guests and disabled accounts, and the sync group. Deterministic per seed:
 * the steps below draw from one seeded generator in a fixed order, so do not reorder them.
 */
export function generateTenant(
  directory: TenantDirectory,
  options: GenerateOptions,
): GenerateResult {
  const started = performance.now();
  const random = seededRandom(options.seed ?? 42);
  const people = generateUsers(directory, random, options);
  const syncGroup = directory.createGroup({
    displayName: options.syncGroupName ?? 'Password Boss Users',
    description: 'Users provisioned into the password manager',
  });
  const groupIds = generateGroups(directory, random, options.groups, syncGroup.data.displayName);
  fillSyncGroup(directory, random, syncGroup.id, people.userIds, options);
  if (groupIds.length > 0) {
    const average = options.membershipsPerUser ?? Math.min(10, groupIds.length);
    addMemberships(directory, random, people.userIds, groupIds, average);
    nestGroups(directory, random, groupIds, options.nestedGroupShare ?? 0.1);
  }
  return {
    syncGroupId: syncGroup.id,
    userIds: people.userIds,
    groupIds,
    guestIds: people.guestIds,
    disabledIds: people.disabledIds,
    memberships: directory.memberships.size,
    durationMs: Math.round(performance.now() - started),
  };
}

type Random = () => number;

/** Members and B2B guests with unique aliases; some accounts disabled. */
function generateUsers(
  directory: TenantDirectory,
  random: Random,
  options: GenerateOptions,
): Pick<GenerateResult, 'userIds' | 'guestIds' | 'disabledIds'> {
  const guestShare = options.guestShare ?? 0.05;
  const disabledShare = options.disabledShare ?? 0.03;
  const domain = directory.defaultDomain;
  const userIds: string[] = [];
  const guestIds: string[] = [];
  const disabledIds: string[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < options.users; i++) {
    const givenName = pick(random, FIRST_NAMES);
    const surname = pick(random, LAST_NAMES);
    const base = `${ascii(givenName)}.${ascii(surname)}`;
    let alias = base;
    for (let n = 2; taken.has(alias); n++) alias = `${base}${n}`;
    taken.add(alias);
    const guest = random() < guestShare;
    const disabled = random() < disabledShare;
    const partner = pick(random, PARTNER_DOMAINS);
    const user = directory.createUser({
      displayName: `${givenName} ${surname}`,
      givenName,
      surname,
      userType: guest ? 'Guest' : 'Member',
      userPrincipalName: guest ? `${alias}_${partner}#EXT#@${domain}` : `${alias}@${domain}`,
      mail: guest ? `${alias}@${partner}` : `${alias}@${domain}`,
      jobTitle: guest ? null : pick(random, JOB_TITLES),
      department: guest ? null : pick(random, DEPARTMENTS),
      officeLocation: guest ? null : pick(random, REGIONS),
      accountEnabled: !disabled,
    });
    userIds.push(user.id);
    if (guest) guestIds.push(user.id);
    if (disabled) disabledIds.push(user.id);
  }
  return { userIds, guestIds, disabledIds };
}

/** Regional and topical groups with unique names; some mail-enabled, some Microsoft 365. */
function generateGroups(
  directory: TenantDirectory,
  random: Random,
  count: number,
  syncGroupName: string,
): string[] {
  const groupIds: string[] = [];
  const names = new Set<string>([syncGroupName]);
  for (let i = 0; i < count; i++) {
    let name = `${pick(random, REGIONS)} ${pick(random, GROUP_TOPICS)} ${pick(random, GROUP_QUALIFIERS)}`;
    for (let n = 2; names.has(name); n++) name = `${name.replace(/ \d+$/, '')} ${n}`;
    names.add(name);
    const mailEnabled = random() < 0.2;
    const group = directory.createGroup({
      displayName: name,
      description: `${name} (generated)`,
      mailEnabled,
      securityEnabled: !mailEnabled || random() < 0.5,
      groupTypes: mailEnabled && random() < 0.5 ? ['Unified'] : [],
    });
    groupIds.push(group.id);
  }
  return groupIds;
}

/** A sample of the users, then devices and service principals for consumers to skip. */
function fillSyncGroup(
  directory: TenantDirectory,
  random: Random,
  syncGroupId: string,
  userIds: readonly string[],
  options: GenerateOptions,
): void {
  const syncCount = Math.min(
    options.users,
    options.syncGroupMembers ?? Math.min(options.users, 25),
  );
  for (const userId of sample(random, userIds, syncCount)) directory.addMember(syncGroupId, userId);
  for (let i = 0; i < (options.syncGroupNonUserMembers ?? 0); i++) {
    const other =
      i % 2 === 0
        ? directory.createOther('device', `LAPTOP-${String(i).padStart(4, '0')}`, newGuid())
        : directory.createOther('servicePrincipal', `Automation ${i}`, newGuid());
    directory.addMember(syncGroupId, other.id);
  }
}

/** Each user joins between 0 and twice `average` random groups (repeats are no-ops). */
function addMemberships(
  directory: TenantDirectory,
  random: Random,
  userIds: readonly string[],
  groupIds: readonly string[],
  average: number,
): void {
  for (const userId of userIds) {
    const count = Math.round(random() * 2 * average);
    for (let k = 0; k < count; k++) directory.addMember(pick(random, groupIds), userId);
  }
}

/** Children always come later in the list than their parent: nesting without cycles. */
function nestGroups(
  directory: TenantDirectory,
  random: Random,
  groupIds: readonly string[],
  nestedShare: number,
): void {
  for (let i = 0; i < groupIds.length - 1; i++) {
    if (random() >= nestedShare) continue;
    const children = 1 + Math.floor(random() * 2);
    for (let k = 0; k < children; k++) {
      const child = groupIds[i + 1 + Math.floor(random() * (groupIds.length - i - 1))]!;
      directory.addMember(groupIds[i]!, child);
    }
  }
}

function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** `count` distinct items, chosen uniformly (partial Fisher-Yates on a copy of the indexes). */
function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const indexes = Array.from(items.keys());
  const out: T[] = [];
  for (let i = 0; i < count && i < indexes.length; i++) {
    const j = i + Math.floor(random() * (indexes.length - i));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
    out.push(items[indexes[i]!]!);
  }
  return out;
}
