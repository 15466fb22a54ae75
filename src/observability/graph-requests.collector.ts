import diagnostics from 'node:diagnostics_channel';
import type { HubMetrics } from './hub-metrics.js';

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
}

interface UndiciResponse {
  statusCode: number;
  headers: (Buffer | string)[];
}

const GRAPH_PATH = /^\/(v1\.0|beta)(\/|\?|$)/;
/** Token, discovery and key endpoints of the identity platform (MSAL's calls). */
const IDENTITY_PATH = /\/(oauth2|discovery)\/|\/\.well-known\//;

/**
 * Counts Microsoft Graph and identity platform requests from undici's diagnostics channels, so
 * neither the Graph SDK middleware nor MSAL needs a hook. Every attempt counts: the SDK retries
 * 429s itself, and each 429 is a throttle Graph applied.
 */
export function collectGraphRequests(
  metrics: HubMetrics,
  options: { graphBaseUrl: string; authorityHost: string },
): () => void {
  const graphOrigin = new URL(options.graphBaseUrl).origin;
  const authorityOrigin = new URL(options.authorityHost).origin;
  const started = new WeakMap<object, number>();
  const classify = (request: UndiciRequest): 'graph' | 'identity' | null => {
    const origin = request.origin === undefined ? '' : new URL(String(request.origin)).origin;
    const path = request.path ?? '';
    if (origin === graphOrigin && GRAPH_PATH.test(path)) return 'graph';
    if (origin === authorityOrigin && IDENTITY_PATH.test(path)) return 'identity';
    return null;
  };

  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    if (classify(request)) started.set(request, performance.now());
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: UndiciRequest; response: UndiciResponse };
    const kind = classify(request);
    if (kind === null) return;
    const status = response.statusCode;
    if (kind === 'identity') {
      metrics.identityRequests.inc({ status: String(status) });
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    metrics.graphRequests.inc({ method, status: String(status) });
    if (status === 429 || (status === 503 && hasRetryAfter(response.headers))) {
      metrics.graphThrottles.inc();
    }
    const at = started.get(request);
    if (at !== undefined) {
      metrics.graphRequestDuration.observe({ method }, (performance.now() - at) / 1000);
      started.delete(request);
    }
  };
  const onError = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const kind = classify(request);
    if (kind === 'graph') {
      metrics.graphRequests.inc({ method: (request.method ?? 'GET').toUpperCase(), status: '0' });
    } else if (kind === 'identity') {
      metrics.identityRequests.inc({ status: '0' });
    }
  };
  diagnostics.subscribe('undici:request:create', onCreate);
  diagnostics.subscribe('undici:request:headers', onHeaders);
  diagnostics.subscribe('undici:request:error', onError);
  return () => {
    diagnostics.unsubscribe('undici:request:create', onCreate);
    diagnostics.unsubscribe('undici:request:headers', onHeaders);
    diagnostics.unsubscribe('undici:request:error', onError);
  };
}

function hasRetryAfter(headers: (Buffer | string)[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'retry-after') return true;
  }
  return false;
}
