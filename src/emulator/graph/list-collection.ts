import type { EmuRequest, EmuResponse } from '../http/types.js';
import type { GroupRecord, UserRecord } from '../store/directory-types.js';
import type { OrderedTable } from '../store/ordered-table.js';
import { collectPage, countMatching } from './collect-page.js';
import { evaluateFilter, idsToLookUp } from './filter-parser.js';
import type { GraphCall } from './graph-call.js';
import { graphJson } from './graph-error.js';
import { matchesSearch, parseListQuery, type EntityShape, type OrderBy } from './odata-query.js';
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
  const ids = query.filter ? idsToLookUp(query.filter) : null;
  const rows = (after: number) => (ids ? byIds(spec.table, ids, after) : spec.table.after(after));
  const page = query.orderBy
    ? sortedPage(rows(0), keep, query.orderBy, cursor.c, top)
    : collectPage(rows(cursor.c), top, keep);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call.ctx, spec.entitySet, query.select),
  };
  if (query.count) body['@odata.count'] = countMatching(rows(0), keep);
  const last = page.items[page.items.length - 1];
  if (page.hasMore && last) {
    // Sorted: the cursor is an offset into the sorted list; else the last creation ordinal.
    const c = query.orderBy ? cursor.c + page.items.length : last.ord;
    body['@odata.nextLink'] = nextLinkFor(call.ctx, request, { c, p: cursor.p + 1 });
  }
  body['value'] = page.items.map((row) =>
    spec.serialize(row, { select: query.select, withType: false }),
  );
  return graphJson(request, 200, body);
}

/**
 * A page of the matching rows sorted by one property, from `offset`. Strings compare without
 * case (a choice: Graph does not document its collation), nulls first ascending, ties in
 * creation order; the whole matching set is sorted per page, fine at emulator sizes.
 */
function sortedPage<T extends UserRecord | GroupRecord>(
  source: Iterable<T>,
  keep: (row: T) => boolean,
  orderBy: OrderBy,
  offset: number,
  top: number,
): { items: T[]; hasMore: boolean } {
  const rows: T[] = [];
  for (const row of source) if (keep(row)) rows.push(row);
  const key = (row: T) => {
    // Sortable properties are strings (names, UPNs, ISO dates).
    const value = propertyOf(row, orderBy.property);
    return typeof value === 'string' ? value.toLowerCase() : null;
  };
  const sign = orderBy.descending ? -1 : 1;
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === kb) return a.ord - b.ord;
    if (ka === null) return -sign;
    if (kb === null) return sign;
    return ka < kb ? -sign : sign;
  });
  return { items: rows.slice(offset, offset + top), hasMore: offset + top < rows.length };
}

export function propertyOf(row: UserRecord | GroupRecord, property: string): unknown {
  if (property === 'id') return row.id;
  return (row.data as unknown as Record<string, unknown>)[property];
}

/** The rows with these ids past `afterOrd`, in creation order (a listing confined by id). */
function byIds<T extends UserRecord | GroupRecord>(
  table: OrderedTable<T>,
  ids: readonly string[],
  afterOrd: number,
): T[] {
  const rows = new Map<string, T>();
  for (const id of ids) {
    const row = table.get(id);
    if (row && row.ord > afterOrd) rows.set(row.id, row);
  }
  return [...rows.values()].sort((a, b) => a.ord - b.ord);
}
