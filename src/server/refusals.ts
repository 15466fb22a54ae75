import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { describeCaller, type Caller } from '../domain/caller.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import { sendJson } from './http-io.js';

/** Codes that mean "refused" rather than "failed": each refusal logs exactly one line. */
const REFUSALS: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.RATE_LIMITED,
  ErrorCode.QUERY_TOO_COMPLEX,
]);

export interface RefusalFields {
  code: string;
  transport: 'http' | 'ws';
  requestId?: string;
  caller?: Caller | null;
  ip?: string;
  reason?: string;
}

/** One line per refused request, with who and why; never the credential or the document. */
export function logRefusal(logger: Logger, fields: RefusalFields): void {
  const { caller, ...rest } = fields;
  logger.warn(
    { ...rest, ...(caller ? { caller: describeCaller(caller) } : {}) },
    'request refused',
  );
}

/** The refusal codes among a response's errors (AppErrors and GraphQL's own, e.g. limits). */
export function refusalCodes(errors: readonly GraphQLError[]): string[] {
  const codes = new Set<string>();
  for (const error of errors) {
    // Apollo wraps validation errors (ValidationError, code GRAPHQL_VALIDATION_FAILED) around
    // the rule's own error: the innermost error carries the code.
    let inner: unknown = error;
    for (let i = 0; i < 5 && inner instanceof GraphQLError && inner.originalError; i++) {
      inner = inner.originalError;
    }
    const code = isAppError(inner)
      ? inner.code
      : inner instanceof GraphQLError
        ? inner.extensions['code']
        : error.extensions['code'];
    if (typeof code === 'string' && REFUSALS.has(code)) codes.add(code);
  }
  return [...codes];
}

/** 429 with Retry-After and a GraphQL-shaped body, so GraphQL clients read the code. */
export function sendRateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  res.setHeader('retry-after', String(retryAfterSeconds));
  sendJson(res, 429, {
    errors: [
      {
        message: `Too many requests; retry after ${retryAfterSeconds} s`,
        extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds },
      },
    ],
  });
}

export function sendGraphqlRefusal(res: ServerResponse, status: number, error: GraphQLError): void {
  sendJson(res, status, { errors: [{ message: error.message, extensions: error.extensions }] });
}
