import type { EmulatorContext } from '../emulator-context.js';
import type { GraphPrincipal } from '../identity/token.service.js';
import type { TenantRecord } from '../store/identity-registry.js';
import type { TenantDirectory } from '../store/tenant-directory.js';

/** What a Graph route handler gets: the caller, its tenant, and the shared services. */
export interface GraphCall {
  ctx: EmulatorContext;
  tenant: TenantRecord;
  directory: TenantDirectory;
  principal: GraphPrincipal;
  /** Effective app roles: the token's, minus any revoked since it was issued. */
  roles: ReadonlySet<string>;
}

export type PermissionScope = 'users' | 'groups' | 'authenticated';

export interface GraphRouteMeta {
  permission: PermissionScope;
  /** Base resource-unit cost (throttling-limits.md). */
  baseCost: number;
  /** Listing or delta: pages are numbered for the fail-Nth-page fault. */
  pageable?: boolean;
}

const ROLES: Record<Exclude<PermissionScope, 'authenticated'>, readonly string[]> = {
  users: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groups: [
    'Group.Read.All',
    'Group.ReadWrite.All',
    'GroupMember.Read.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

export function hasPermission(roles: ReadonlySet<string>, scope: PermissionScope): boolean {
  if (scope === 'authenticated') return true;
  return ROLES[scope].some((role) => roles.has(role));
}
