import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import { GRAPHQL_PATH, pathOf, type PlainHandler } from './http-app.js';

/**
 * CORS for a portal served from another origin (the `cors` middleware; off unless origins are
 * configured). Only /graphql: the consent callback and the portal are browser navigations, and
 * WebSockets are not subject to CORS (the credential is in connection_init, never a cookie).
 * A preflight is answered here (204 with the allowed methods and headers); any other request
 * gets the headers and goes on to GraphQL. An origin not on the list gets no CORS headers, so
 * the browser refuses the answer.
 */
export function corsHandler(allowedOrigins: readonly string[]): PlainHandler {
  const middleware = cors({
    origin: [...allowedOrigins],
    methods: ['GET', 'POST'],
    // Authorization carries the credential; X-Request-Id lets support find a request's log.
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'apollo-require-preflight'],
    exposedHeaders: ['retry-after'],
    credentials: false,
    maxAge: 600,
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    if (pathOf(req) !== GRAPHQL_PATH) return Promise.resolve(false);
    if (!req.headers.origin) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      // The middleware calls next() unless it answered a preflight itself.
      res.once('finish', () => resolve(true));
      middleware(req, res, (error?: unknown) =>
        error
          ? reject(error instanceof Error ? error : new Error('CORS middleware failed'))
          : resolve(false),
      );
    });
  };
}
