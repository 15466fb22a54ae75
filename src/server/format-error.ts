import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, isAppError } from '../domain/errors.js';

/**
 * The one place that decides what an error looks like to a client, for HTTP and WebSocket alike.
 * AppErrors keep their message and code (plus their client-safe details); errors raised by
 * GraphQL itself (parse, validation, variable coercion, our query limits) keep theirs; anything
 * else is masked as INTERNAL_SERVER_ERROR and logged with context.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const location = {
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
    };
    if (isAppError(original)) {
      if (original.code === ErrorCode.INTERNAL_SERVER_ERROR) {
        logger.error({ err: original, path: formatted.path }, 'internal error');
      }
      return {
        message: original.message,
        ...location,
        extensions: { ...(original.details ?? {}), code: original.code },
      };
    }
    // GraphQL's own errors (parse, validation, variable coercion, our query limits): Apollo
    // re-wraps them, so look for the innermost error; it is a GraphQLError that wraps nothing.
    const innermost = innermostError(error);
    if (innermost instanceof GraphQLError) {
      const code = innermost.extensions['code'] ?? formatted.extensions?.['code'];
      return {
        message: formatted.message,
        ...location,
        extensions: { code: typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED' },
      };
    }
    logger.error(
      { err: original, path: formatted.path },
      'unexpected error in a GraphQL operation',
    );
    return {
      message: 'Internal server error',
      ...location,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

export type ErrorFormatter = ReturnType<typeof createErrorFormatter>;

function innermostError(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 10 && current instanceof GraphQLError && current.originalError; i++) {
    current = current.originalError;
  }
  return current;
}
