import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import { groupsDeltaPage, usersDeltaPage } from './delta-pages.js';
import { deltaLink, readDeltaState, type DeltaKind, type DeltaState } from './delta-token.js';
import { idsOfIdFilter, parseFilter } from './filter-parser.js';
import type { GraphCall, GraphRouteMeta } from './graph-call.js';
import { graphJson, unsupportedQuery } from './graph-error.js';
import { GROUP_SHAPE } from './groups.router.js';
import { parseSelect } from './odata-query.js';
import { USER_SHAPE } from './users.router.js';

const MAX_FILTER_IDS = 50;
const UNSUPPORTED = ['$top', '$orderby', '$search', '$count', '$skip'];

/**
 * `GET /users/delta` and `GET /groups/delta` (delta-query-*.md). Delta is an OData function, so
 * the same round answers at `/delta`, `/delta()` (what Kiota-generated SDKs send) and the
 * namespace-qualified `/microsoft.graph.delta()`
 * (https://learn.microsoft.com/en-us/graph/api/user-delta, "delta function";
 * https://learn.microsoft.com/en-us/graph/delta-query-overview). Delta is "any identity path"
 * for resource units (cost 1): the throttling table does not list it.
 */
export function registerDeltaRoutes(router: Router<GraphCall, GraphRouteMeta>): void {
  for (const kind of ['users', 'groups'] as const) {
    const meta = { permission: kind, baseCost: 1, pageable: true } as const;
    const handler = (request: EmuRequest, _params: RouteParams, call: GraphCall) =>
      delta(kind, request, call);
    for (const fn of ['delta', 'delta()', 'microsoft.graph.delta()']) {
      router.add('GET', `/v1.0/${kind}/${fn}`, handler, meta);
    }
  }
}

function delta(kind: DeltaKind, request: EmuRequest, call: GraphCall): EmuResponse {
  const query = request.url.searchParams;
  const skiptoken = query.get('$skiptoken') ?? query.get('$skipToken');
  const deltatoken = query.get('$deltatoken') ?? query.get('$deltaToken');
  let state: DeltaState;
  let headers: Record<string, string> = {};
  if (skiptoken) {
    // Options are baked into the token; any sent again are ignored, as Graph does.
    state = readDeltaState(call.ctx, call.tenant, kind, skiptoken);
  } else if (deltatoken && deltatoken.toLowerCase() !== 'latest') {
    const previous = readDeltaState(call.ctx, call.tenant, kind, deltatoken);
    // Fault `deltaReplays`: start from the previous round's start, so changes already served
    // come again (Graph warns that replays happen; consumers must be idempotent).
    const replay = call.ctx.faults.get(call.tenant.id).deltaReplays === true;
    state = {
      ...previous,
      since: replay ? (previous.prev ?? previous.since) : previous.since,
      upto: call.directory.currentSeq,
      cur: null,
      p: 1,
    };
    // Graph lets a deltaLink change the tracked properties with a new $select.
    if (query.has('$select')) Object.assign(state, parseDeltaSelect(kind, query.get('$select')));
  } else {
    const options = parseInitialOptions(kind, request, call);
    state = options.state;
    headers = options.headers;
    if (deltatoken) {
      // `$deltatoken=latest`: no data, just a deltaLink from now on ("sync from now").
      return respond(
        request,
        call,
        state,
        [],
        deltaLink(call.ctx, { ...state, since: state.upto, prev: state.upto }, '$deltatoken'),
        headers,
      );
    }
  }
  const read = {
    state,
    minimal: /(^|[\s,;])return=minimal\b/i.test(request.headers['prefer'] ?? ''),
  };
  const page =
    kind === 'users'
      ? usersDeltaPage(call.directory, read)
      : groupsDeltaPage(call.directory, read, call.tenant.settings.deltaMembersPerPage);
  const link = page.next
    ? deltaLink(call.ctx, { ...state, cur: page.next, p: state.p + 1 }, '$skiptoken')
    : deltaLink(
        call.ctx,
        { ...state, since: state.upto, prev: state.since, cur: null, p: 1 },
        '$deltatoken',
      );
  return respond(request, call, state, page.value, link, headers, page.next !== null);
}

function respond(
  request: EmuRequest,
  call: GraphCall,
  state: DeltaState,
  value: Record<string, unknown>[],
  link: string,
  headers: Record<string, string>,
  more = false,
): EmuResponse {
  const select = state.sel
    ? `(${[...state.sel, ...(state.mem ? ['members'] : [])].join(',')})`
    : '';
  const response = graphJson(request, 200, {
    '@odata.context': `${call.ctx.baseUrl}/v1.0/$metadata#${state.k}${select}`,
    [more ? '@odata.nextLink' : '@odata.deltaLink']: link,
    value,
  });
  Object.assign(response.headers, headers);
  return response;
}

function parseInitialOptions(kind: DeltaKind, request: EmuRequest, call: GraphCall) {
  const query = request.url.searchParams;
  for (const name of UNSUPPORTED) {
    if (query.has(name))
      throw unsupportedQuery(`The query parameter '${name}' is not supported with delta.`);
  }
  const expand = query.get('$expand');
  // delta-query-groups.md shows `$expand=members` on groups/delta; nothing else is expandable.
  if (expand !== null && !(kind === 'groups' && expand.trim().toLowerCase() === 'members')) {
    throw unsupportedQuery(`The query parameter '$expand' is not supported with delta.`);
  }
  const selection = parseDeltaSelect(kind, query.get('$select'));
  if (expand !== null) selection.mem = true;
  let ids: string[] | null = null;
  const filter = query.get('$filter');
  if (filter !== null) {
    const shape = kind === 'users' ? USER_SHAPE : GROUP_SHAPE;
    ids = idsOfIdFilter(parseFilter(filter, shape.filterable, shape.typeName));
    if (!ids)
      throw unsupportedQuery("Only 'id eq' filters joined with 'or' are supported with delta.");
    if (ids.length > MAX_FILTER_IDS) {
      throw unsupportedQuery(
        `Too many ids in the filter: at most ${MAX_FILTER_IDS} are supported with delta.`,
      );
    }
  }
  const headers: Record<string, string> = {};
  let ps = call.tenant.settings.deltaPageSize;
  const prefer = /odata\.maxpagesize=(\d+)/i.exec(request.headers['prefer'] ?? '');
  if (prefer) {
    ps = Math.min(999, Math.max(1, Number(prefer[1])));
    headers['preference-applied'] = `odata.maxpagesize=${ps}`;
  }
  const state: DeltaState = {
    k: kind,
    t: call.tenant.id,
    ...selection,
    ids,
    ps,
    since: 0,
    upto: call.directory.currentSeq,
    cur: null,
    p: 1,
    g: call.tenant.delta.generation,
    iat: call.ctx.clock.now(),
  };
  return { state, headers };
}

/** `$select`: the tracked properties; `members` on groups switches membership tracking on. */
function parseDeltaSelect(
  kind: DeltaKind,
  raw: string | null,
): { sel: string[] | null; mem: boolean } {
  const shape = kind === 'users' ? USER_SHAPE : GROUP_SHAPE;
  const select = parseSelect(raw, shape);
  if (select === null) return { sel: null, mem: kind === 'groups' };
  const mem = kind === 'groups' && select.includes('members');
  return { sel: select.filter((p) => p !== 'members'), mem };
}
