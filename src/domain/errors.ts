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
