import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { GroupRecord } from '../store/directory-types.js';
import { collectPage, countMatching } from './collect-page.js';
import { evaluateFilter } from './filter-parser.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, resourceNotFound } from './graph-error.js';
import { matchesSearch, parseListQuery, parseSelect, type EntityShape } from './odata-query.js';
import { contextUrl, nextLinkFor, readListCursor } from './paging.js';
import { GROUP_SELECTABLE, serializeGroup } from './serialize.js';

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
  const query = parseListQuery(request, GROUP_SHAPE);
  const cursor = readListCursor(call.ctx, query.skiptoken);
  const keep = (group: GroupRecord) =>
    group.state === 'active' &&
    (query.filter === null || evaluateFilter(query.filter, (p) => groupValue(group, p))) &&
    (query.search === null || matchesSearch(group.data.displayName, query.search));
  const page = collectPage(call.directory.groups.after(cursor.c), query.top, keep);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call.ctx, 'groups', query.select),
  };
  if (query.count) body['@odata.count'] = countMatching(call.directory.groups.after(0), keep);
  const last = page.items[page.items.length - 1];
  if (page.hasMore && last) {
    body['@odata.nextLink'] = nextLinkFor(call.ctx, request, { c: last.ord, p: cursor.p + 1 });
  }
  body['value'] = page.items.map((group) =>
    serializeGroup(group, { select: query.select, withType: false }),
  );
  return graphJson(request, 200, body);
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

export function groupValue(group: GroupRecord, property: string): unknown {
  if (property === 'id') return group.id;
  return (group.data as unknown as Record<string, unknown>)[property];
}
