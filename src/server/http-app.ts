import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { Caller } from '../domain/caller.js';
import { ErrorCode, isAppError, ProtocolErrorCode, type AppError } from '../domain/errors.js';
import type { AbuseLimits } from './abuse-limits.js';
import type { Authenticator } from './auth.js';
import type { RequestContext } from './context.js';
import { parseWithinLimits, QUERY_TOO_COMPLEX, type GraphqlLimits } from './graphql-limits.js';
import { BodyTooLargeError, readBody, sendJson } from './http-io.js';
import { logRefusal, sendGraphqlRefusal, sendRateLimited } from './refusals.js';
import type { Services } from './services.js';

/**
 * A plain HTTP handler mounted next to GraphQL (e.g. `POST /webhooks/graph`). It returns true when
 * it handled the request (and wrote the response), false to let the next handler try.
 */
export type PlainHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const GRAPHQL_PATH = '/graphql';

export interface HttpAppOptions {
  apollo: ApolloServer<RequestContext>;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
  maxBodyBytes: number;
  limits: GraphqlLimits;
  abuse: AbuseLimits;
  /** Tried in order before GraphQL and the 404. */
  handlers: PlainHandler[];
}

export function createHttpServer(options: HttpAppOptions): Server {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.logger.error(
        { err: error, method: req.method, path: pathOf(req) },
        'http handler failed',
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  // Slow-loris protection: a request must arrive in full within this time.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}

async function handle(options: HttpAppOptions, req: IncomingMessage, res: ServerResponse) {
  for (const handler of options.handlers) {
    if (await handler(req, res)) return;
  }
  if (pathOf(req) === GRAPHQL_PATH) {
    await handleGraphql(options, req, res);
    return;
  }
  // Probing unknown paths is anonymous traffic like any other.
  const admission = await options.abuse.admitAnonymous(req);
  if (!admission.allowed) {
    refuseRateLimited(options, req, res, null, admission.retryAfterSeconds);
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
}

interface RequestAuth {
  caller: Caller | null;
  authError: AppError | null;
}

async function authenticateRequest(
  options: HttpAppOptions,
  req: IncomingMessage,
): Promise<RequestAuth> {
  try {
    const auth = await options.authenticator.authenticate(req.headers.authorization);
    return { caller: auth?.caller ?? null, authError: null };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { caller: null, authError: error };
  }
}

function refuseRateLimited(
  options: HttpAppOptions,
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller | null,
  retryAfterSeconds: number,
): void {
  logRefusal(options.logger, {
    code: ErrorCode.RATE_LIMITED,
    transport: 'http',
    requestId: requestIdOf(req),
    caller,
    ...(caller ? {} : { ip: options.abuse.clientIp(req) }),
    reason: `retry after ${retryAfterSeconds} s`,
  });
  sendRateLimited(res, retryAfterSeconds);
}

/**
 * Before Apollo sees the request: the caller's budget (or the client IP's, without valid
 * credentials), then the document's size in tokens, so a refusal costs neither a parse of a
 * huge document nor a database write beyond the counter. Depth, cost, aliases and directives
 * are Apollo validation rules (the same rules graphql-ws runs).
 */
async function admitGraphql(
  options: HttpAppOptions,
  req: IncomingMessage,
  res: ServerResponse,
  auth: RequestAuth,
  body: unknown,
): Promise<boolean> {
  const admission = auth.caller
    ? await options.abuse.admitCaller(auth.caller)
    : await options.abuse.admitAnonymous(req);
  if (!admission.allowed) {
    refuseRateLimited(options, req, res, auth.caller, admission.retryAfterSeconds);
    return false;
  }
  const source = documentOf(req, body);
  if (source === null) return true;
  const parsed = parseWithinLimits(source, options.limits);
  if (parsed.ok || !parsed.tooComplex) return true;
  logRefusal(options.logger, {
    code: QUERY_TOO_COMPLEX,
    transport: 'http',
    requestId: requestIdOf(req),
    caller: auth.caller,
    reason: parsed.error.message,
  });
  sendGraphqlRefusal(res, 400, parsed.error);
  return false;
}

/** The GraphQL document of a POST body or a GET query string; null when there is none. */
function documentOf(req: IncomingMessage, body: unknown): string | null {
  if (body && typeof body === 'object' && 'query' in body) {
    const query = body.query;
    return typeof query === 'string' ? query : null;
  }
  if ((req.method ?? 'GET').toUpperCase() === 'GET') {
    return new URL(req.url ?? '/', 'http://hub.invalid').searchParams.get('query');
  }
  return null;
}

async function handleGraphql(options: HttpAppOptions, req: IncomingMessage, res: ServerResponse) {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    res.setHeader('allow', 'GET, POST');
    sendJson(res, 405, { error: 'method_not_allowed' });
    return;
  }
  let body: unknown;
  if (method === 'POST') {
    try {
      const raw = await readBody(req, options.maxBodyBytes);
      body = raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, {
          errors: [
            { message: error.message, extensions: { code: ProtocolErrorCode.PAYLOAD_TOO_LARGE } },
          ],
        });
        return;
      }
      sendJson(res, 400, {
        errors: [
          {
            message: 'The request body is not valid JSON',
            extensions: { code: ProtocolErrorCode.BAD_REQUEST },
          },
        ],
      });
      return;
    }
  }
  const auth = await authenticateRequest(options, req);
  if (!(await admitGraphql(options, req, res, auth, body))) return;
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = new URL(req.url ?? '/', 'http://hub.invalid');
  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search: url.search, body },
    context: () => Promise.resolve(buildContext(options, req, auth)),
  });
  res.statusCode = response.status ?? 200;
  for (const [key, value] of response.headers) res.setHeader(key, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function buildContext(
  options: HttpAppOptions,
  req: IncomingMessage,
  auth: RequestAuth,
): RequestContext {
  const requestId = requestIdOf(req);
  const logger = options.logger.child({ requestId });
  return { services: options.services, logger, requestId, ...auth };
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
