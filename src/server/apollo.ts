import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';
import type { ErrorFormatter } from './format-error.js';
import { queryLimitRules } from './query-limits.js';

export interface GraphqlSettings {
  maxDepth: number;
  /** Field selections per operation after fragment expansion. */
  maxFields: number;
  introspection: boolean;
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
    validationRules: queryLimitRules(settings),
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
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
}
