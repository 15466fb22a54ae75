import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { UserRecord } from '../store/directory-types.js';
import { collectPage, countMatching } from './collect-page.js';
import { evaluateFilter } from './filter-parser.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, resourceNotFound } from './graph-error.js';
import { matchesSearch, parseListQuery, parseSelect, type EntityShape } from './odata-query.js';
import { contextUrl, nextLinkFor, readListCursor } from './paging.js';
import { serializeUser, USER_SELECTABLE } from './serialize.js';

export const USER_SHAPE: EntityShape = {
  typeName: 'microsoft.graph.user',
  selectable: USER_SELECTABLE,
  filterable: new Set([
    'id',
    'displayName',
    'givenName',
    'surname',
    'mail',
    'userPrincipalName',
    'accountEnabled',
    'userType',
    'jobTitle',
    'department',
  ]),
};

export function registerUserRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
  router.add('GET', '/v1.0/users', listUsers, { permission: 'users', baseCost: 2, pageable: true });
  router.add('GET', '/v1.0/users/:id', getUser, { permission: 'users', baseCost: 1 });
}

function listUsers(request: EmuRequest, _params: RouteParams, call: GraphCall): EmuResponse {
  const query = parseListQuery(request, USER_SHAPE);
  const cursor = readListCursor(call.ctx, query.skiptoken);
  const keep = (user: UserRecord) =>
    user.state === 'active' &&
    (query.filter === null || evaluateFilter(query.filter, (p) => userValue(user, p))) &&
    (query.search === null || matchesSearch(user.data.displayName, query.search));
  const page = collectPage(call.directory.users.after(cursor.c), query.top, keep);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call.ctx, 'users', query.select),
  };
  if (query.count) body['@odata.count'] = countMatching(call.directory.users.after(0), keep);
  const last = page.items[page.items.length - 1];
  if (page.hasMore && last) {
    body['@odata.nextLink'] = nextLinkFor(call.ctx, request, { c: last.ord, p: cursor.p + 1 });
  }
  body['value'] = page.items.map((user) =>
    serializeUser(user, { select: query.select, withType: false }),
  );
  return graphJson(request, 200, body);
}

/** By object id or by userPrincipalName, as Graph allows. */
function getUser(request: EmuRequest, params: RouteParams, call: GraphCall): EmuResponse {
  const key = params['id'] ?? '';
  const select = parseSelect(request.url.searchParams.get('$select'), USER_SHAPE);
  const user = findUser(call, key);
  if (!user) throw resourceNotFound(key);
  return graphJson(request, 200, {
    '@odata.context': `${contextUrl(call.ctx, 'users', select)}/$entity`,
    ...serializeUser(user, { select, withType: false }),
  });
}

function findUser(call: GraphCall, key: string): UserRecord | undefined {
  const byId = call.directory.user(key.toLowerCase());
  if (byId) return byId;
  const upn = key.toLowerCase();
  for (const user of call.directory.users.values()) {
    if (user.state === 'active' && user.data.userPrincipalName.toLowerCase() === upn) return user;
  }
  return undefined;
}

export function userValue(user: UserRecord, property: string): unknown {
  if (property === 'id') return user.id;
  return (user.data as unknown as Record<string, unknown>)[property];
}
