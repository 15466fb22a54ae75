import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorContext } from '../emulator-context.js';
import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse } from '../http/types.js';
import { resourceUnitCost, resourceUnitLimit } from '../throttling/resource-units.js';
import { EmulatorError } from '../util/errors.js';
import { hasPermission, type GraphCall, type GraphRouteMeta } from './graph-call.js';
import { GraphError, GraphErrorCode, graphErrorResponse } from './graph-error.js';

export interface GraphOutcome {
  response: EmuResponse;
  route: string;
  resourceUnits: number;
  tenantId?: string;
  appId?: string;
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/**
 * Every Graph request, in Graph's order: authenticate the bearer token, authorize the route,
 * injected faults, the resource-unit budget (429 + Retry-After), then the handler. All failures
 * leave in Graph's error shape with `request-id` headers.
 */
export class GraphPipeline {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly router: Router<GraphCall, GraphRouteMeta>,
  ) {}

  async handle(request: EmuRequest): Promise<GraphOutcome> {
    const ctx = this.ctx;
    const match = this.router.match(request.method, request.url.pathname);
    const route =
      match.kind === 'found'
        ? `${request.method} ${match.route.pattern}`
        : `${request.method} (graph)`;
    const outcome: GraphOutcome = {
      response: { status: 500, headers: {} },
      route,
      resourceUnits: 0,
    };
    try {
      const call = await this.authenticate(request);
      outcome.tenantId = call.tenant.id;
      outcome.appId = call.principal.appId;
      if (match.kind === 'not-found') {
        // The first segment no route knows, as Graph names it: `/v1.0/v1.0/users` (a batch
        // step URL with the version) is "Resource not found for the segment 'v1.0'".
        const parts = request.url.pathname.split('/').filter(Boolean);
        const known = this.router.matchedPrefixLength(request.url.pathname);
        const segment = parts[Math.min(Math.max(known, 1), parts.length - 1)] ?? '';
        throw new GraphError(
          400,
          GraphErrorCode.BadRequest,
          `Resource not found for the segment '${segment}'.`,
        );
      }
      if (match.kind === 'method-not-allowed') {
        throw new GraphError(
          405,
          GraphErrorCode.RequestBadRequest,
          'Specified HTTP method is not allowed for the request target.',
        );
      }
      const meta = match.route.meta;
      if (!hasPermission(call.roles, meta.permission)) {
        throw new GraphError(
          403,
          GraphErrorCode.AuthorizationRequestDenied,
          'Insufficient privileges to complete the operation.',
        );
      }
      const latency = ctx.faults.latencyMs(call.tenant.id);
      if (latency > 0) await delay(latency);
      this.injectFault(request, call, meta);
      if (meta.baseCost > 0) {
        const units = resourceUnitCost(meta.baseCost, request.url.searchParams);
        const decision = ctx.throttle.charge(
          `${call.tenant.id}:${call.principal.appId}`,
          units,
          resourceUnitLimit(call.directory.activeUserCount),
        );
        if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
        outcome.resourceUnits = units;
        ctx.counters.chargeUnits(call.tenant.id, units);
      }
      outcome.response = await match.route.handler(request, match.params, call);
      if (outcome.resourceUnits > 0) {
        outcome.response.headers['x-ms-resource-unit'] = String(outcome.resourceUnits);
      }
    } catch (error) {
      outcome.response = graphErrorResponse(request, this.toGraphError(error), ctx.clock.now());
    }
    return outcome;
  }

  private async authenticate(request: EmuRequest): Promise<GraphCall> {
    const ctx = this.ctx;
    const header = request.headers['authorization'] ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (!token) throw unauthenticated('Access token is empty.');
    const verified = await ctx.tokens.verify(token);
    if (!verified.ok) {
      throw unauthenticated(
        verified.reason === 'expired'
          ? 'Lifetime validation failed, the token is expired.'
          : verified.reason === 'audience'
            ? 'Access token validation failure. Invalid audience.'
            : 'Access token validation failure.',
      );
    }
    const principal = verified.principal;
    const tenant = ctx.registry.findTenant(principal.tenantId);
    if (!tenant) throw unauthenticated('Access token validation failure. Invalid tenant.');
    // Revocations apply at once (Entra honours a token until it expires): a documented choice
    // so tests need not wait an hour for a revoked consent to bite. A deleted or disabled
    // service principal makes the token invalid; revoked permissions make it insufficient.
    const sp = ctx.registry.findServicePrincipal(tenant, principal.appId);
    if (!sp || !sp.accountEnabled)
      throw unauthenticated(
        'Access token validation failure. The application is no longer present or enabled in this tenant.',
      );
    const roles = new Set(principal.roles.filter((role) => sp.roles.has(role)));
    return { ctx, tenant, directory: tenant.directory, principal, roles };
  }

  private injectFault(request: EmuRequest, call: GraphCall, meta: GraphRouteMeta): void {
    const page = meta.pageable ? this.pageOf(request) : null;
    const target = `${request.url.pathname}${safeDecode(request.url.search)}`;
    const fault = this.ctx.faults.next(call.tenant.id, page, target);
    if (fault.kind === 'none') return;
    this.ctx.counters.injectedFaults++;
    if (fault.kind === 'throttle') throw tooManyRequests(fault.retryAfterSeconds);
    const code =
      fault.status === 503 ? GraphErrorCode.ServiceUnavailable : GraphErrorCode.GeneralException;
    // Retry-After on the statuses clients retry (the Graph SDK: 429, 503, 504).
    const retryable = fault.status === 503 || fault.status === 504;
    const headers: Record<string, string> = retryable
      ? { 'retry-after': String(fault.retryAfterSeconds) }
      : {};
    throw new GraphError(
      fault.status,
      code,
      'The service is temporarily unavailable (injected fault).',
      headers,
    );
  }

  /** 1 for a first request, else the page number carried in the continuation token. */
  private pageOf(request: EmuRequest): number | null {
    const query = request.url.searchParams;
    const token = query.get('$skiptoken') ?? query.get('$skipToken');
    if (!token) return 1;
    const payload = this.ctx.codec.decode(token) as { p?: unknown } | null;
    return typeof payload?.p === 'number' ? payload.p : null;
  }

  private toGraphError(error: unknown): GraphError {
    if (error instanceof GraphError) return error;
    if (error instanceof EmulatorError) {
      return error.status === 404
        ? new GraphError(404, GraphErrorCode.ResourceNotFound, error.message)
        : new GraphError(error.status, GraphErrorCode.BadRequest, error.message);
    }
    this.ctx.log(`graph handler failed: ${error instanceof Error ? error.stack : String(error)}`);
    return new GraphError(500, GraphErrorCode.GeneralException, 'An unexpected error occurred.');
  }
}

function unauthenticated(message: string): GraphError {
  return new GraphError(401, GraphErrorCode.InvalidAuthenticationToken, message, {
    'www-authenticate': WWW_AUTHENTICATE,
  });
}

export function tooManyRequests(retryAfterSeconds: number): GraphError {
  return new GraphError(
    429,
    GraphErrorCode.TooManyRequests,
    `Too many requests. Retry after ${retryAfterSeconds} seconds.`,
    { 'retry-after': String(retryAfterSeconds) },
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
