import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { MemberRecord } from '../store/directory-types.js';
import type { TenantDirectory } from '../store/tenant-directory.js';
import { collectPage } from './collect-page.js';
import { evaluateFilter } from './filter-parser.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, resourceNotFound } from './graph-error.js';
import { parseListQuery, type EntityShape } from './odata-query.js';
import { contextUrl, nextLinkFor, readListCursor } from './paging.js';
import { MEMBER_SELECTABLE, serializeMember } from './serialize.js';

const MEMBER_SHAPE: EntityShape = {
  typeName: 'microsoft.graph.directoryObject',
  selectable: MEMBER_SELECTABLE,
  filterable: new Set([
    'id',
    'displayName',
    'mail',
    'userPrincipalName',
    'accountEnabled',
    'userType',
  ]),
};

type Cast = 'user' | 'group' | null;

/**
 * Direct members (users, groups, devices, service principals, contacts: each with its
 * `@odata.type`), the `microsoft.graph.user`/`group` casts, and `transitiveMembers`, which
 * flattens nested groups (each object once, cycles tolerated).
 */
export function registerMemberRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
  const direct = { permission: 'groups', baseCost: 3, pageable: true } as const;
  const transitive = { permission: 'groups', baseCost: 5, pageable: true } as const;
  router.add('GET', '/v1.0/groups/:id/members', (r, p, c) => listDirect(r, p, c, null), direct);
  router.add(
    'GET',
    '/v1.0/groups/:id/members/microsoft.graph.user',
    (r, p, c) => listDirect(r, p, c, 'user'),
    direct,
  );
  router.add(
    'GET',
    '/v1.0/groups/:id/members/microsoft.graph.group',
    (r, p, c) => listDirect(r, p, c, 'group'),
    direct,
  );
  router.add(
    'GET',
    '/v1.0/groups/:id/transitiveMembers',
    (r, p, c) => listTransitive(r, p, c, null),
    transitive,
  );
  router.add(
    'GET',
    '/v1.0/groups/:id/transitiveMembers/microsoft.graph.user',
    (r, p, c) => listTransitive(r, p, c, 'user'),
    transitive,
  );
}

function listDirect(
  request: EmuRequest,
  params: RouteParams,
  call: GraphCall,
  cast: Cast,
): EmuResponse {
  const groupId = requireGroupId(call, params);
  const directory = call.directory;
  // Membership maps iterate in addition order, which is sequence order: the cursor is the
  // sequence of the last membership served.
  return listMembers(request, call, cast, function* (after) {
    for (const [memberId, addedSeq] of directory.memberships.membersOf(groupId)) {
      if (addedSeq <= after) continue;
      const member = directory.object(memberId);
      if (member) yield { member, key: addedSeq };
    }
  });
}

function listTransitive(
  request: EmuRequest,
  params: RouteParams,
  call: GraphCall,
  cast: Cast,
): EmuResponse {
  const all = transitiveMembers(call.directory, requireGroupId(call, params));
  // The flattened list has no natural cursor: continuation is an offset into it.
  return listMembers(request, call, cast, function* (after) {
    for (let i = after; i < all.length; i++) yield { member: all[i]!, key: i + 1 };
  });
}

type MemberSource = (after: number) => Iterable<{ member: MemberRecord; key: number }>;

/** One page of members: `source(cursor)` yields members with the cursor value after each. */
function listMembers(request: EmuRequest, call: GraphCall, cast: Cast, source: MemberSource) {
  const query = parseListQuery(request, MEMBER_SHAPE);
  const cursor = readListCursor(call.ctx, query.skiptoken);
  const top = Math.min(query.top, call.tenant.settings.listPageSize);
  const page = collectPage(source(cursor.c), top, ({ member }) => keepMember(member, cast, query));
  const last = page.items[page.items.length - 1];
  const entitySet = cast === null ? 'directoryObjects' : cast === 'user' ? 'users' : 'groups';
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call.ctx, entitySet, query.select),
  };
  if (page.hasMore && last) {
    body['@odata.nextLink'] = nextLinkFor(call.ctx, request, { c: last.key, p: cursor.p + 1 });
  }
  body['value'] = page.items.map(({ member }) =>
    serializeMember(member, { select: query.select, withType: true }),
  );
  return graphJson(request, 200, body);
}

function keepMember(member: MemberRecord, cast: Cast, query: ReturnType<typeof parseListQuery>) {
  if (cast !== null && member.type !== cast) return false;
  if (query.filter === null) return true;
  const filter = query.filter;
  return evaluateFilter(filter, (property) => {
    if (property === 'id') return member.id;
    if (member.type === 'user' || member.type === 'group') {
      return (member.data as unknown as Record<string, unknown>)[property];
    }
    return property === 'displayName' ? member.displayName : undefined;
  });
}

function requireGroupId(call: GraphCall, params: RouteParams): string {
  const id = (params['id'] ?? '').toLowerCase();
  if (!call.directory.group(id)) throw resourceNotFound(params['id'] ?? '');
  return id;
}

export function transitiveMembers(directory: TenantDirectory, groupId: string): MemberRecord[] {
  const seen = new Set<string>([groupId]);
  const out: MemberRecord[] = [];
  const queue = [groupId];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const memberId of directory.memberships.membersOf(current).keys()) {
      if (seen.has(memberId)) continue;
      seen.add(memberId);
      const member = directory.object(memberId);
      if (!member) continue;
      out.push(member);
      if (member.type === 'group') queue.push(member.id);
    }
  }
  return out;
}
