import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, resourceNotFound } from './graph-error.js';
import { parseSelect, type EntityShape } from './odata-query.js';
import { contextUrl } from './paging.js';
import { GROUP_SELECTABLE, serializeGroup } from './serialize.js';
import { listCollection } from './list-collection.js';

export const GROUP_SHAPE: EntityShape = {
  typeName: 'microsoft.graph.group',
  selectable: GROUP_SELECTABLE,
  filterable: new Set([
    'id',
    'displayName',
    'mail',
    'mailEnabled',
    'mailNickname',
    'securityEnabled',
    'description',
  ]),
  sortable: { byDefault: new Set(['displayName']), advanced: new Set() },
};

export function registerGroupRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
  router.add('GET', '/v1.0/groups', listGroups, {
    permission: 'groups',
    baseCost: 1,
    pageable: true,
  });
  router.add('GET', '/v1.0/groups/:id', getGroup, { permission: 'groups', baseCost: 1 });
}

function listGroups(request: EmuRequest, _params: RouteParams, call: GraphCall): EmuResponse {
  return listCollection(request, call, {
    entitySet: 'groups',
    shape: GROUP_SHAPE,
    table: call.directory.groups,
    serialize: serializeGroup,
  });
}

function getGroup(request: EmuRequest, params: RouteParams, call: GraphCall): EmuResponse {
  const id = (params['id'] ?? '').toLowerCase();
  const select = parseSelect(request.url.searchParams.get('$select'), GROUP_SHAPE);
  const group = call.directory.group(id);
  if (!group) throw resourceNotFound(params['id'] ?? '');
  return graphJson(request, 200, {
    '@odata.context': `${contextUrl(call.ctx, 'groups', select)}/$entity`,
    ...serializeGroup(group, { select, withType: false }),
  });
}
