import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { UserRecord } from '../store/directory-types.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, resourceNotFound } from './graph-error.js';
import { parseSelect, type EntityShape } from './odata-query.js';
import { contextUrl } from './paging.js';
import { serializeUser, USER_SELECTABLE } from './serialize.js';
import { listCollection } from './list-collection.js';

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
  sortable: {
    byDefault: new Set(['displayName', 'userPrincipalName']),
    // deletedDateTime is also listed; only deleted users carry one, and /users lists none.
    advanced: new Set(['createdDateTime']),
  },
};

export function registerUserRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
  router.add('GET', '/v1.0/users', listUsers, { permission: 'users', baseCost: 2, pageable: true });
  router.add('GET', '/v1.0/users/:id', getUser, { permission: 'users', baseCost: 1 });
}

function listUsers(request: EmuRequest, _params: RouteParams, call: GraphCall): EmuResponse {
  return listCollection(request, call, {
    entitySet: 'users',
    shape: USER_SHAPE,
    table: call.directory.users,
    serialize: serializeUser,
  });
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
