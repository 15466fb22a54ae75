import type { EmuRequest } from '../http/types.js';
import { parseFilter, type FilterNode } from './filter-parser.js';
import { badRequest, GraphError, GraphErrorCode, unsupportedQuery } from './graph-error.js';

export interface ListQuery {
  select: string[] | null;
  top: number;
  filter: FilterNode | null;
  /** `$orderby=property [asc|desc]` where the shape allows it; null: creation order. */
  orderBy: OrderBy | null;
  /** `$search="displayName:x"`: the term, lower-cased. */
  search: string | null;
  count: boolean;
  skiptoken: string | null;
}

export interface OrderBy {
  property: string;
  descending: boolean;
}

export interface EntityShape {
  /** `microsoft.graph.user`, for error messages. */
  typeName: string;
  selectable: ReadonlySet<string>;
  filterable: ReadonlySet<string>;
  /**
   * `$orderby` support (https://learn.microsoft.com/en-us/graph/aad-advanced-queries, "Support
   * for sorting by properties of directory objects"): `byDefault` properties sort in any query,
   * `advanced` ones only with `ConsistencyLevel: eventual` and `$count=true`. Absent: sorting
   * is not supported on this collection.
   */
  sortable?: { byDefault: ReadonlySet<string>; advanced: ReadonlySet<string> };
}

export const DEFAULT_PAGE_SIZE = 100;

/**
 * `$select`, `$top` (1..999, default 100), `$filter`, `$search`, `$count`, `$orderby`,
 * `$skiptoken`. `$skip` is refused: directory collections page with `$skiptoken` only
 * (https://learn.microsoft.com/en-us/graph/api/user-list: "`$skip` isn't supported"; the error
 * Graph answers is quoted in https://github.com/microsoftgraph/msgraph-metadata/issues/135).
 */
export function parseListQuery(request: EmuRequest, shape: EntityShape): ListQuery {
  const query = request.url.searchParams;
  if (query.has('$skip')) {
    throw new GraphError(
      400,
      GraphErrorCode.RequestBadRequest,
      "'$skip' is not supported by the service.",
    );
  }
  const eventual = request.headers['consistencylevel']?.toLowerCase() === 'eventual';
  const rawSearch = query.get('$search');
  if (rawSearch !== null && !eventual) {
    throw new GraphError(
      400,
      GraphErrorCode.UnsupportedQuery,
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  }
  const count = query.get('$count')?.toLowerCase() === 'true';
  if (count && !eventual) {
    throw unsupportedQuery(
      "$count is only supported with the header 'ConsistencyLevel: eventual'.",
    );
  }
  const rawFilter = query.get('$filter');
  const rawOrderBy = query.get('$orderby') ?? query.get('$orderBy');
  const advanced = eventual && count;
  return {
    select: parseSelect(query.get('$select'), shape),
    top: parseTop(query.get('$top')),
    filter: rawFilter ? parseFilter(rawFilter, shape.filterable, shape.typeName) : null,
    orderBy:
      rawOrderBy === null
        ? null
        : parseOrderBy(rawOrderBy, shape, { advanced, filtered: rawFilter !== null }),
    search: rawSearch === null ? null : parseSearch(rawSearch),
    count,
    skiptoken: query.get('$skiptoken') ?? query.get('$skipToken'),
  };
}

export function parseSelect(raw: string | null, shape: EntityShape): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const resolved: string[] = [];
  for (const name of names) {
    const match = [...shape.selectable].find((p) => p.toLowerCase() === name.toLowerCase());
    if (!match) {
      throw badRequest(
        `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${shape.typeName}'.`,
      );
    }
    if (!resolved.includes(match)) resolved.push(match);
  }
  return resolved;
}

/**
 * One `property [asc|desc]` term. Sorting a property the collection cannot sort, an advanced
 * property without the advanced query parameters, or together with `$filter` without them
 * ("Using `$filter` and `$orderby` together is supported only with advanced queries") is 400
 * `Request_UnsupportedQuery` "Sorting not supported for current query." as Graph answers. More
 * than one term is refused the same way (a choice: the docs show single-property sorts only).
 */
function parseOrderBy(
  raw: string,
  shape: EntityShape,
  context: { advanced: boolean; filtered: boolean },
): OrderBy {
  const terms = raw.split(',').map((term) => term.trim().split(/\s+/));
  const [name = '', direction = 'asc', ...rest] = terms[0] ?? [];
  const property = [...shape.selectable].find((p) => p.toLowerCase() === name.toLowerCase());
  if (!property) {
    throw badRequest(`Could not find a property named '${name}' on type '${shape.typeName}'.`);
  }
  const dir = direction.toLowerCase();
  if (rest.length > 0 || (dir !== 'asc' && dir !== 'desc')) {
    throw badRequest(`Syntax error: invalid $orderby clause '${raw}'.`);
  }
  const sortable = shape.sortable;
  const allowed =
    sortable !== undefined &&
    terms.length === 1 &&
    (sortable.byDefault.has(property) || (context.advanced && sortable.advanced.has(property))) &&
    (!context.filtered || context.advanced);
  if (!allowed) throw unsupportedQuery('Sorting not supported for current query.');
  return { property, descending: dir === 'desc' };
}

function parseTop(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    throw unsupportedQuery(
      `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`,
    );
  }
  return top;
}

/** Only the `"property:term"` form on displayName, which is what the hub's group picker sends. */
function parseSearch(raw: string): string {
  const match = /^"\s*displayName\s*:\s*([^"]*)"$/i.exec(raw.trim());
  if (!match) throw badRequest(`Syntax error: invalid $search clause '${raw}'.`);
  return match[1]!.trim().toLowerCase();
}

/**
 * Directory `$search` is tokenized: a term matches when some word of the value starts with it
 * (case-insensitive), so "displayName:sales" finds "EMEA Sales Team".
 */
export function matchesSearch(value: string | null, term: string): boolean {
  if (term === '') return true;
  if (!value) return false;
  const lower = value.toLowerCase();
  if (lower.startsWith(term)) return true;
  return lower.split(/[\s\-_.,/()]+/).some((word) => word.startsWith(term));
}
