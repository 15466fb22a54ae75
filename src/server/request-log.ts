import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PlainHandler } from './http-app.js';
import { pathOf } from './http-app.js';

const GIVEN_ID = /^[\w.-]{1,64}$/;

/**
 * A pass-through handler mounted first: gives every request an id (the caller's
 * `X-Request-Id` when it is sane, a UUID otherwise), echoes it in the response, and writes one
 * access line when the answer is done. The GraphQL context reads the same header, so resolver
 * log lines carry the same `requestId`. Never logs the query string (consent callbacks carry
 * `state`) or any header value.
 */
export function requestLog(logger: Logger, options: { quietPaths?: string[] } = {}): PlainHandler {
  const quiet = new Set(options.quietPaths ?? ['/healthz', '/readyz', '/metrics']);
  return (req, res) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    const path = pathOf(req);
    res.once('finish', () => {
      const line = {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      if (res.statusCode >= 500) logger.warn(line, 'request failed');
      else if (quiet.has(path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    return Promise.resolve(false);
  };
}
