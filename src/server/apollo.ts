import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';
import type { ErrorFormatter } from './format-error.js';
import { limitRules, type GraphqlLimits } from './graphql-limits.js';
import { logRefusal, refusalCodes } from './refusals.js';

export interface GraphqlSettings extends GraphqlLimits {
  introspection: boolean;
  /** graphql-ws: WebSocket ping interval; an unanswered ping drops the socket (0 = off). */
  wsKeepAliveMs: number;
  /** "Did you mean ...?" in validation errors; off outside development (it names fields). */
  suggestions: boolean;
}

export function createApollo(options: {
  schema: GraphQLSchema;
  settings: GraphqlSettings;
  formatError: ErrorFormatter;
  logger: Logger;
}): ApolloServer<RequestContext> {
  const { settings, logger } = options;
  return new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: settings.introspection,
    // http-app.ts refuses an oversized document first with QUERY_TOO_COMPLEX; this is the backstop.
    parseOptions: { maxTokens: settings.maxTokens },
    validationRules: limitRules(settings),
    formatError: options.formatError,
    // Stack traces and Apollo's own console logging stay out of responses and stdout.
    includeStacktraceInErrorResponses: false,
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.info(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    // The landing page would load Apollo's sandbox from a CDN; the portal is the client.
    plugins: [ApolloServerPluginLandingPageDisabled(), refusalLog()],
  });
}

/** One line per refused request (unauthenticated, forbidden, too complex), whatever the field. */
function refusalLog(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didEncounterErrors: ({ errors, contextValue }) => {
          const codes = refusalCodes(errors);
          if (codes.length > 0) {
            logRefusal(contextValue.logger, {
              code: codes.join(','),
              transport: 'http',
              requestId: contextValue.requestId,
              caller: contextValue.caller,
            });
          }
          return Promise.resolve();
        },
      }),
  };
}
