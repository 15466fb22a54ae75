import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, isAppError, ProtocolErrorCode } from '../domain/errors.js';

/**
 * The one place that decides what an error looks like to a client, for HTTP and WebSocket alike.
 * AppErrors keep their message and code (plus their client-safe details); errors raised by
 * GraphQL itself (parse, validation, variable coercion, our query limits) keep theirs; anything
 * else is masked as INTERNAL_SERVER_ERROR and logged with context.
 */
export function createErrorFormatter(logger: Logger, options: { suggestions: boolean }) {
  const shown = (message: string) => (options.suggestions ? message : withoutSuggestions(message));
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
        message: shown(withoutInputValues(formatted.message)),
        ...location,
        extensions: {
          code: typeof code === 'string' ? code : ProtocolErrorCode.GRAPHQL_VALIDATION_FAILED,
        },
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

/**
 * graphql-js 16 has no switch for its "Did you mean ...?" hints, and they list field names a
 * caller could not see otherwise (`clientSecretHint` for a misspelt `clientSecret`): the same
 * masking GraphQL Armor's block-field-suggestions applies, on both transports.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/**
 * graphql-js quotes the offending input in coercion and validation messages ("Variable "$i" got
 * invalid value { clientSecret: "..." }"), which would send a client secret back in a response
 * (and into any log of it). Keep the variable, the path and the reason; drop the values.
 */
export function withoutInputValues(message: string): string {
  const variable = /^Variable "(\$\w+)" got invalid value /.exec(message);
  if (variable) {
    const separator = message.lastIndexOf('; ');
    const path = / at "([\w.[\]]+)"; /.exec(message)?.[1];
    const reason = separator === -1 ? '' : reasonWithoutValue(message.slice(separator + 2));
    return `Variable "${variable[1]}" got an invalid value${path ? ` at "${path}"` : ''}${reason ? `: ${reason}` : ''}`;
  }
  const argument = /^Argument "(\w+)" has invalid value /.exec(message);
  if (argument) return `Argument "${argument[1]}" has an invalid value.`;
  return reasonWithoutValue(message);
}

function reasonWithoutValue(reason: string): string {
  return (
    reason
      // "Int cannot represent non-integer value: X", "DateTime cannot represent an invalid
      // date-time-string X": the shapes vary by scalar, so keep only the type.
      .replace(/^(\w+) cannot represent [\s\S]*$/, '$1 cannot represent this value.')
      .replace(/^Expected value of type ("[^"]+"), found [\s\S]*$/, 'Expected value of type $1.')
      .replace(
        /^Value "[\s\S]*" does not exist in ("[^"]+") enum\.[\s\S]*$/,
        'Value does not exist in $1 enum.',
      )
  );
}

function innermostError(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 10 && current instanceof GraphQLError && current.originalError; i++) {
    current = current.originalError;
  }
  return current;
}
