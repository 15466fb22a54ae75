/**
 * Public error codes: every error a client sees carries one as `extensions.code`. Anything that is
 * not an AppError is masked as INTERNAL_SERVER_ERROR and logged with context.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  /** Entra refused the connector's credentials, consent or permissions. */
  UPSTREAM_UNAUTHORIZED = 'UPSTREAM_UNAUTHORIZED',
  /** Entra or Graph could not be reached, throttled past our retries, or failed. */
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** Too many requests from this client or caller; retry after the `Retry-After` seconds. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The GraphQL document exceeds a size, depth, cost, alias or directive limit. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
}

export interface AppErrorOptions {
  /** Safe, client-facing details (e.g. which field, the Entra error code). Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details;
  }
}

export const notFound = (what: string): AppError =>
  new AppError(ErrorCode.NOT_FOUND, `${what} not found`);

export const badInput = (field: string, reason: string): AppError =>
  new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${reason}`, { details: { field } });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * Codes the HTTP and GraphQL layers answer with before any service runs (Apollo Server's own,
 * https://www.apollographql.com/docs/apollo-server/data/errors#built-in-error-codes, and the
 * hub's request checks). They are never raised as AppErrors.
 */
export enum ProtocolErrorCode {
  /** The body is not JSON, or Apollo refused the request (e.g. a GET without a preflight header). */
  BAD_REQUEST = 'BAD_REQUEST',
  /** The request body is over HTTP_MAX_BODY_BYTES. */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  /** `operationName` names no operation of the document. */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
}

export interface ErrorCatalogueEntry {
  /**
   * The HTTP status of a response that carries this error. Errors raised while resolving a
   * field come with 200 (GraphQL over HTTP: `data` may be partly there); `httpNote` says when
   * the same code comes with another status.
   */
  httpStatus: number;
  httpNote?: string;
  /** Whether the same request may succeed later without the user changing anything. */
  retryable: boolean;
  /** When a client sees it. */
  when: string;
  /** What a portal should do. */
  ui: string;
}

/**
 * Every code a client can see in `extensions.code`, what it means and what to do about it: the
 * contract a portal builds its error handling on. docs/api.md renders this table
 * (`npm run docs`); test/docs/generated-docs.test.ts fails when the docs are stale and
 * test/api/error-catalogue.test.ts checks the HTTP statuses against a running hub.
 */
export const ERROR_CATALOGUE: Readonly<Record<ErrorCode | ProtocolErrorCode, ErrorCatalogueEntry>> =
  {
    [ErrorCode.UNAUTHENTICATED]: {
      httpStatus: 200,
      retryable: false,
      when: 'No, invalid or expired credential ("The session has expired" for an expired JWT).',
      ui: 'Get a fresh token (sign in again), then repeat the request.',
    },
    [ErrorCode.FORBIDDEN]: {
      httpStatus: 200,
      retryable: false,
      when: 'Authenticated but not allowed (a company admin creating a company; a connector token doing more than read and sync).',
      ui: 'Hide or disable the action for this role.',
    },
    [ErrorCode.NOT_FOUND]: {
      httpStatus: 200,
      retryable: false,
      when: "Does not exist, or is outside the caller's scope (the same answer, on purpose); also an Entra group not found in the tenant.",
      ui: 'Say it is gone and reload the list; for a group, let the admin pick another.',
    },
    [ErrorCode.BAD_USER_INPUT]: {
      httpStatus: 200,
      httpNote: '400 when GraphQL itself rejects a variable: wrong type, missing',
      retryable: false,
      when: 'Invalid input; the message starts with the field and says why, `extensions.field` names it. Values are never echoed.',
      ui: 'Show the message next to the field named by `extensions.field`.',
    },
    [ErrorCode.CONFLICT]: {
      httpStatus: 200,
      retryable: false,
      when: 'The state does not allow it: a second install, Save before Verify, Synchronize Now before Save, a concurrent change.',
      ui: 'Reload the object, show its current state, and offer the action again when it applies.',
    },
    [ErrorCode.UPSTREAM_UNAUTHORIZED]: {
      httpStatus: 200,
      retryable: false,
      when: 'Entra or Graph refused the connector credentials, consent or permissions (`extensions.reason`, `extensions.entraCode`).',
      ui: 'Show the message (it says what to fix); offer Edit > Azure Auth > Verify Connection, which may return a consentUrl.',
    },
    [ErrorCode.UPSTREAM_UNAVAILABLE]: {
      httpStatus: 200,
      retryable: true,
      when: 'Entra or Graph could not be reached, throttled past the retries, or failed.',
      ui: 'Say Microsoft is not answering; retry after a few seconds, with backoff.',
    },
    [ErrorCode.INTERNAL_SERVER_ERROR]: {
      httpStatus: 200,
      httpNote: '500 when the request failed outside GraphQL',
      retryable: true,
      when: 'Unexpected; the details are in the hub log (with the request id), never in the answer.',
      ui: 'Say something went wrong; retry once; if it persists, report the time and the X-Request-Id header sent.',
    },
    [ErrorCode.RATE_LIMITED]: {
      httpStatus: 429,
      httpNote: 'over WebSocket: an `error` message for the operation',
      retryable: true,
      when: 'Too many requests from this caller or address (`Retry-After` header, `extensions.retryAfterSeconds`).',
      ui: 'Wait `retryAfterSeconds`, then retry; do not retry in a loop.',
    },
    [ErrorCode.QUERY_TOO_COMPLEX]: {
      httpStatus: 400,
      retryable: false,
      when: 'The document is over a size, depth, cost, alias or directive limit (docs/api.md, Limits).',
      ui: 'A bug in the client: ask for fewer fields or smaller pages (`first` as a variable).',
    },
    [ProtocolErrorCode.BAD_REQUEST]: {
      httpStatus: 400,
      retryable: false,
      when: 'The request is not GraphQL over HTTP: a body that is not JSON, no query, a GET without a preflight header.',
      ui: 'A bug in the client: send POST with Content-Type: application/json.',
    },
    [ProtocolErrorCode.PAYLOAD_TOO_LARGE]: {
      httpStatus: 413,
      retryable: false,
      when: 'The HTTP body is over HTTP_MAX_BODY_BYTES.',
      ui: 'A bug in the client: send a smaller document or smaller variables.',
    },
    [ProtocolErrorCode.GRAPHQL_PARSE_FAILED]: {
      httpStatus: 400,
      retryable: false,
      when: 'The document is not valid GraphQL syntax.',
      ui: 'A bug in the client.',
    },
    [ProtocolErrorCode.GRAPHQL_VALIDATION_FAILED]: {
      httpStatus: 400,
      retryable: false,
      when: 'The document does not fit the schema (unknown field, introspection in production).',
      ui: 'A bug in the client, or a client built against another schema: regenerate it from schema/schema.graphql.',
    },
    [ProtocolErrorCode.OPERATION_RESOLUTION_FAILURE]: {
      httpStatus: 400,
      retryable: false,
      when: '`operationName` names no operation of the document.',
      ui: 'A bug in the client.',
    },
  };

/** WebSocket close codes a graphql-ws client sees, and what to do (the protocol's and ours). */
export const WS_CLOSE_CODES: Readonly<Record<number, { when: string; ui: string }>> = {
  1001: {
    when: 'The hub instance is shutting down (deploy, scale-in).',
    ui: 'Reconnect (graphql-ws retries by itself) and refetch what the screen shows.',
  },
  4400: {
    when: 'A message the server could not read (graphql-ws protocol).',
    ui: 'A bug in the client.',
  },
  4401: {
    when: 'The JWT expired during the connection. Fatal for the graphql-ws client: it does not retry.',
    ui: 'Get a fresh token, subscribe again (connectionParams is read on every connect), refetch.',
  },
  4403: {
    when: 'No or invalid credential at connection_init, a credential revoked since (rotated token, disabled or uninstalled connector), or over WS_MAX_CONNECTIONS_PER_CALLER.',
    ui: 'Do not reconnect with the same credential: sign in again, or show that the connector is gone.',
  },
  1009: {
    when: 'A message over HTTP_MAX_BODY_BYTES.',
    ui: 'A bug in the client: send a smaller document or smaller variables.',
  },
  4408: {
    when: 'No connection_init within the wait time (graphql-ws protocol).',
    ui: 'Reconnect; send connection_init right after the socket opens.',
  },
  4409: {
    when: 'Two operations with the same id on one socket (graphql-ws protocol).',
    ui: 'A bug in the client.',
  },
  4429: {
    when: 'More than one connection_init on a socket (graphql-ws protocol).',
    ui: 'A bug in the client.',
  },
  4500: {
    when: 'The server failed to set up the connection (graphql-ws protocol).',
    ui: 'Reconnect with backoff; report it if it persists.',
  },
};
