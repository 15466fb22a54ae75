import type { ControlDeps } from '../control/control.router.js';
import type { EmulatorContext } from '../emulator-context.js';
import type { GraphPipeline } from '../graph/graph.pipeline.js';
import { EmulatorError } from '../util/errors.js';
import { json } from './responses.js';
import type { Router } from './router.js';
import type { EmuRequest, EmuResponse } from './types.js';

export interface DispatcherDeps {
  ctx: EmulatorContext;
  graph: GraphPipeline;
  identity: Router<EmulatorContext>;
  control: Router<ControlDeps>;
  controlDeps: ControlDeps;
  /** When set, the control API wants `Authorization: Bearer <adminKey>`. */
  adminKey?: string;
}

const GRAPH_PATH = /^\/(v1\.0|beta)(\/|$)/i;

/**
 * One port, three services by path prefix: `/_emulator/...` control API, `/v1.0/...` Graph,
 * everything else the identity platform (`/{tenant}/oauth2/v2.0/token`, discovery, consent).
 * Every request lands in the request log and the counters.
 */
export function createDispatcher(
  deps: DispatcherDeps,
): (request: EmuRequest) => Promise<EmuResponse> {
  const { ctx } = deps;
  return async (request) => {
    const started = performance.now();
    const receivedAt = new Date(ctx.clock.now()).toISOString();
    const path = request.url.pathname;
    let response: EmuResponse;
    let route: string;
    let resourceUnits = 0;
    let tenantId: string | undefined;
    let appId: string | undefined;
    if (path === '/_emulator' || path.startsWith('/_emulator/')) {
      ({ response, route } = await routeControl(deps, request));
    } else if (GRAPH_PATH.test(path)) {
      const outcome = await deps.graph.handle(request);
      ({ response, route, resourceUnits, tenantId, appId } = outcome);
    } else {
      ({ response, route } = await routeIdentity(deps, request));
    }
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    ctx.counters.countRequest(route, response.status);
    // Identity query strings may carry state or hints; secrets only ever travel in bodies.
    const logged = path.includes('/oauth2/') ? path : path + request.url.search;
    ctx.requestLog.add({
      time: new Date(ctx.clock.now()).toISOString(),
      receivedAt,
      method: request.method,
      path: logged,
      route,
      status: response.status,
      durationMs,
      resourceUnits,
      requestId: request.requestId,
      ...(response.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(appId ? { appId } : {}),
    });
    ctx.log(`${request.method} ${path} ${response.status} ${durationMs}ms`);
    return response;
  };
}

async function routeControl(deps: DispatcherDeps, request: EmuRequest) {
  const match = deps.control.match(request.method, request.url.pathname);
  const route =
    match.kind === 'found'
      ? `${request.method} ${match.route.pattern}`
      : `${request.method} (control)`;
  if (
    deps.adminKey !== undefined &&
    request.headers['authorization'] !== `Bearer ${deps.adminKey}`
  ) {
    return {
      route,
      response: controlError(401, 'unauthorized', 'the control API needs the admin key'),
    };
  }
  if (match.kind === 'not-found')
    return { route, response: controlError(404, 'not_found', 'no such control route') };
  if (match.kind === 'method-not-allowed') {
    return {
      route,
      response: controlError(405, 'method_not_allowed', `${request.method} is not allowed here`),
    };
  }
  try {
    return { route, response: await match.route.handler(request, match.params, deps.controlDeps) };
  } catch (error) {
    if (error instanceof EmulatorError) {
      return { route, response: controlError(error.status, error.code, error.message) };
    }
    deps.ctx.log(`control route failed: ${error instanceof Error ? error.stack : String(error)}`);
    return { route, response: controlError(500, 'internal', 'unexpected error') };
  }
}

async function routeIdentity(deps: DispatcherDeps, request: EmuRequest) {
  const match = deps.identity.match(request.method, request.url.pathname);
  if (match.kind !== 'found') {
    const response = json(match.kind === 'not-found' ? 404 : 405, {
      error: 'not_found',
      error_description: `No identity endpoint at ${request.method} ${request.url.pathname}.`,
    });
    return { route: `${request.method} (identity)`, response };
  }
  const route = `${request.method} ${match.route.pattern}`;
  try {
    return { route, response: await match.route.handler(request, match.params, deps.ctx) };
  } catch (error) {
    deps.ctx.log(`identity route failed: ${error instanceof Error ? error.stack : String(error)}`);
    return {
      route,
      response: json(500, { error: 'server_error', error_description: 'unexpected error' }),
    };
  }
}

function controlError(status: number, code: string, message: string): EmuResponse {
  return json(status, { error: { code, message } });
}
