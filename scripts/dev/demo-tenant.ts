import { createHash } from 'node:crypto';
import type { EmulatorControl } from '../../src/emulator/index.js';

/**
 * The demo tenant of `npm run dev`: a few hundred people, the "Password Boss Users" sync group
 * with a nested group inside it, a handful of guests and disabled accounts, and some extra
 * groups to mirror. Every object id derives from the tenant id, so a second run of the stack
 * (same .dev folder, same database) sees the same directory the hub synced last time.
 *
 * The app registration is made in this tenant (`homeTenantId`), as the seed guide has the admin
 * do: its service principal exists from the start, so before admin consent Entra issues tokens
 * without permissions and Verify Connection answers CONSENT_REQUIRED with a consent URL, while a
 * wrong secret is INVALID_SECRET whatever the consent state.
 */
export interface DemoTenant {
  tenantId: string;
  defaultDomain: string;
  syncGroupId: string;
  nestedGroupId: string;
  extraGroupIds: string[];
  userIds: string[];
  guestIds: string[];
  disabledIds: string[];
}

const FIRST = [
  'Ada',
  'Ben',
  'Chloé',
  'Dmitri',
  'Emma',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Lars',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tariq',
];
const LAST = [
  'Adler',
  'Brooks',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Hughes',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
];
const DEPARTMENTS = ['Sales', 'Engineering', 'Finance', 'Support', 'Marketing'];

/** A GUID derived from a name, stable across runs (v4 layout, so Graph-style validators accept it). */
export function stableGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function seedDemoTenant(
  control: EmulatorControl,
  options: { tenantId: string; users: number },
): DemoTenant {
  const { tenantId } = options;
  const defaultDomain = 'contoso-demo.onmicrosoft.com';
  control.createTenant({ id: tenantId, defaultDomain, displayName: 'Contoso (demo)' });
  const id = (kind: string, n: number | string) => stableGuid(tenantId, kind, String(n));

  const userIds: string[] = [];
  const guestIds: string[] = [];
  const disabledIds: string[] = [];
  for (let i = 0; i < options.users; i++) {
    const given = FIRST[i % FIRST.length]!;
    const surname = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const round = Math.floor(i / (FIRST.length * LAST.length));
    const alias = `${ascii(given)}.${ascii(surname)}${round > 0 ? round + 1 : ''}`;
    const guest = i % 25 === 7;
    const disabled = i % 40 === 13;
    const user = control.createUser(tenantId, {
      id: id('user', i),
      displayName: `${given} ${surname}`,
      givenName: given,
      surname,
      userType: guest ? 'Guest' : 'Member',
      userPrincipalName: guest
        ? `${alias}_fabrikam.com#EXT#@${defaultDomain}`
        : `${alias}@${defaultDomain}`,
      mail: guest ? `${alias}@fabrikam.com` : `${alias}@${defaultDomain}`,
      department: guest ? null : DEPARTMENTS[i % DEPARTMENTS.length]!,
      jobTitle: guest ? null : 'Staff',
      accountEnabled: !disabled,
    });
    userIds.push(user.id);
    if (guest) guestIds.push(user.id);
    if (disabled) disabledIds.push(user.id);
  }

  const syncGroup = control.createGroup(tenantId, {
    id: id('group', 'sync'),
    displayName: 'Password Boss Users',
    description: 'Users provisioned into Password Boss',
    securityEnabled: true,
  });
  const nested = control.createGroup(tenantId, {
    id: id('group', 'nested'),
    displayName: 'Password Boss Admins',
    description: 'Nested inside Password Boss Users',
    securityEnabled: true,
  });
  // Two thirds of the people are in the sync group directly (guests and disabled ones included,
  // so the sync rules have something to decide); the nested group adds a few more.
  const direct = userIds.filter((_, i) => i % 3 !== 2);
  control.addMembers(tenantId, syncGroup.id, [...direct, nested.id]);
  control.addMembers(
    tenantId,
    nested.id,
    userIds.filter((_, i) => i % 3 === 2 && i % 10 === 5),
  );

  const extraGroupIds: string[] = [];
  for (const [n, name] of DEPARTMENTS.entries()) {
    const group = control.createGroup(tenantId, {
      id: id('group', name),
      displayName: name,
      description: `${name} department`,
      securityEnabled: true,
    });
    control.addMembers(
      tenantId,
      group.id,
      userIds.filter((_, i) => i % DEPARTMENTS.length === n),
    );
    extraGroupIds.push(group.id);
  }
  const empty = control.createGroup(tenantId, {
    id: id('group', 'empty'),
    displayName: 'Project Phoenix',
    description: 'No members yet (empty groups are not synced)',
    securityEnabled: true,
  });
  extraGroupIds.push(empty.id);

  return {
    tenantId,
    defaultDomain,
    syncGroupId: syncGroup.id,
    nestedGroupId: nested.id,
    extraGroupIds,
    userIds,
    guestIds,
    disabledIds,
  };
}

function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}
