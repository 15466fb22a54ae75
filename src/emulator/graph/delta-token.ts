import type { EmulatorContext } from '../emulator-context.js';
import type { TenantRecord } from '../store/identity-registry.js';
import { badRequest, GraphError, GraphErrorCode } from './graph-error.js';
import { encodeQueryValue } from './paging.js';

export type DeltaKind = 'users' | 'groups';

/** Where a round stopped: inside object `o` after member sequence `m`, or after `o` (m null). */
export interface DeltaCursor {
  o: number;
  m: number | null;
}

/**
 * Everything a delta round needs, baked into its `$skiptoken`/`$deltatoken` (Graph encodes the
 * query options in the state token, so clients send them only on the first call).
 */
export interface DeltaState {
  k: DeltaKind;
  t: string;
  /** `$select`ed properties; null: the default set, all properties tracked. */
  sel: string[] | null;
  /** Groups: membership tracked (`members@delta`). */
  mem: boolean;
  /** `$filter=id eq ... or ...`: only these objects. */
  ids: string[] | null;
  /** Objects per page. */
  ps: number;
  /** Changes after this sequence; 0 for a full (initial) round. */
  since: number;
  /** The tenant's sequence when the round began: the next deltaLink's `since`. */
  upto: number;
  /** In a deltaLink: the `since` of the round that issued it (for the replay fault). */
  prev?: number;
  cur: DeltaCursor | null;
  /** Page number within the round, 1-based (the fail-Nth-page fault reads it). */
  p: number;
  /** Delta generation of the tenant at issue (expire / reset faults). */
  g: number;
  /** Emulator-clock issue time, for the seven-day lifetime. */
  iat: number;
}

/** Directory delta links live seven days (delta-query-overview.md, "Token duration"). */
export const DELTA_TOKEN_LIFETIME_MS = 7 * 24 * 3600_000;

export function readDeltaState(
  ctx: EmulatorContext,
  tenant: TenantRecord,
  kind: DeltaKind,
  token: string,
): DeltaState {
  const state = ctx.codec.decode(token) as DeltaState | null;
  if (!state || typeof state.since !== 'number' || (state.k !== 'users' && state.k !== 'groups')) {
    throw badRequest('Badly formed token.');
  }
  if (state.t !== tenant.id || state.k !== kind) {
    throw badRequest('The delta token was not issued for this tenant and resource.');
  }
  if (state.g < tenant.delta.resetBelow) {
    // delta-query-overview.md: 410 with a Location holding the initial query (no token): the
    // client must start over with a full synchronization. The body's code is our choice.
    throw new GraphError(
      410,
      GraphErrorCode.ResyncRequired,
      'Resync required. Replace any local cached resources with the results of a full delta round.',
      { location: initialDeltaUrl(ctx, state) },
    );
  }
  if (
    state.g < tenant.delta.expiredBelow ||
    ctx.clock.now() - state.iat > DELTA_TOKEN_LIFETIME_MS
  ) {
    throw new GraphError(
      400,
      GraphErrorCode.SyncStateNotFound,
      'The sync state for this delta token was not found or has expired. Start a new delta round.',
    );
  }
  return state;
}

export function deltaLink(
  ctx: EmulatorContext,
  state: DeltaState,
  param: '$skiptoken' | '$deltatoken',
) {
  const token = ctx.codec.encode({
    ...state,
    g: currentGeneration(ctx, state.t),
    iat: ctx.clock.now(),
  });
  return `${ctx.baseUrl}/v1.0/${state.k}/delta?${param}=${token}`;
}

/** The first request of a round with the same options: what a 410's Location points to. */
export function initialDeltaUrl(ctx: EmulatorContext, state: DeltaState): string {
  const options: string[] = [];
  const select = [...(state.sel ?? []), ...(state.mem && state.sel ? ['members'] : [])];
  if (state.sel) options.push(`$select=${encodeQueryValue(select.join(','))}`);
  if (state.ids) {
    const filter = state.ids.map((id) => `id eq '${id}'`).join(' or ');
    options.push(`$filter=${encodeQueryValue(filter)}`);
  }
  const query = options.length > 0 ? `?${options.join('&')}` : '';
  return `${ctx.baseUrl}/v1.0/${state.k}/delta${query}`;
}

function currentGeneration(ctx: EmulatorContext, tenantId: string): number {
  return ctx.registry.findTenant(tenantId)?.delta.generation ?? 0;
}
