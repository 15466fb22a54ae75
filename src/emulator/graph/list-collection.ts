import type { EmuRequest, EmuResponse } from '../http/types.js';
import type { GroupRecord, UserRecord } from '../store/directory-types.js';
import type { OrderedTable } from '../store/ordered-table.js';
import { collectPage, countMatching } from './collect-page.js';
import { evaluateFilter } from './filter-parser.js';
import type { GraphCall } from './graph-call.js';
import { graphJson } from './graph-error.js';
import { matchesSearch, parseListQuery, type EntityShape } from './odata-query.js';
import { contextUrl, nextLinkFor, readListCursor } from './paging.js';
import type { SerializeOptions } from './serialize.js';

export interface CollectionSpec<T extends UserRecord | GroupRecord> {
  entitySet: 'users' | 'groups';
  shape: EntityShape;
  table: OrderedTable<T>;
  serialize: (row: T, options: SerializeOptions) => Record<string, unknown>;
}

/**
 * `GET /users` and `GET /groups`: active objects in creation order, filtered (`$filter`,
 * `$search`), `$count`ed on request, one page of `$top` with an absolute nextLink.
 */
export function listCollection<T extends UserRecord | GroupRecord>(
  request: EmuRequest,
  call: GraphCall,
  spec: CollectionSpec<T>,
): EmuResponse {
  const query = parseListQuery(request, spec.shape);
  const cursor = readListCursor(call.ctx, query.skiptoken);
  const keep = (row: T) =>
    row.state === 'active' &&
    (query.filter === null || evaluateFilter(query.filter, (p) => propertyOf(row, p))) &&
    (query.search === null || matchesSearch(row.data.displayName, query.search));
  const top = Math.min(query.top, call.tenant.settings.listPageSize);
  const page = collectPage(spec.table.after(cursor.c), top, keep);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call.ctx, spec.entitySet, query.select),
  };
  if (query.count) body['@odata.count'] = countMatching(spec.table.after(0), keep);
  const last = page.items[page.items.length - 1];
  if (page.hasMore && last) {
    body['@odata.nextLink'] = nextLinkFor(call.ctx, request, { c: last.ord, p: cursor.p + 1 });
  }
  body['value'] = page.items.map((row) =>
    spec.serialize(row, { select: query.select, withType: false }),
  );
  return graphJson(request, 200, body);
}

export function propertyOf(row: UserRecord | GroupRecord, property: string): unknown {
  if (property === 'id') return row.id;
  return (row.data as unknown as Record<string, unknown>)[property];
}
