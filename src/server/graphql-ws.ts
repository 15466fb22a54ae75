import type { IncomingMessage, Server } from 'node:http';
import {
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Caller } from '../domain/caller.js';
import { isAppError } from '../domain/errors.js';
import type { GraphqlSettings } from './apollo.js';
import type { Authenticator } from './auth.js';
import type { RequestContext } from './context.js';
import type { ErrorFormatter } from './format-error.js';
import { queryLimitRules } from './query-limits.js';
import type { Services } from './services.js';

/** graphql-ws close codes (4401 Unauthorized, 4403 Forbidden are the library's conventions). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

interface ConnectionState {
  caller?: Caller;
  expiryTimer?: NodeJS.Timeout;
}

export interface GraphqlWsOptions {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  settings: GraphqlSettings;
  authenticator: Authenticator;
  services: Services;
  formatError: ErrorFormatter;
  logger: Logger;
  maxPayloadBytes: number;
}

/**
 * graphql-ws on the same port and path as HTTP GraphQL. The client authenticates once in
 * `connection_init` (`{ authorization: "Bearer <jwt>" }` or `"Connector <token>"`), checked by the
 * same Authenticator as HTTP; an invalid credential closes the socket (4403), and a JWT that
 * expires closes it then (4401), so a subscription never outlives its session.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
  });
  const state = new WeakMap<object, ConnectionState>();
  const rules = [
    ...specifiedRules,
    ...queryLimitRules(options.settings),
    ...(options.settings.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  const disposable = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      schema: options.schema,
      validate: (schema, document) => validate(schema, document, rules),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params['authorization'] ?? params['Authorization'];
        try {
          const auth = await options.authenticator.authenticate(
            typeof header === 'string' ? header : null,
          );
          if (!auth) return false;
          const entry: ConnectionState = { caller: auth.caller };
          if (auth.expiresAt) {
            const ms = Math.max(0, auth.expiresAt.getTime() - Date.now());
            entry.expiryTimer = setTimeout(
              () => ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Session expired'),
              Math.min(ms, 2_147_000_000),
            );
            entry.expiryTimer.unref();
          }
          state.set(ctx.extra, entry);
          return true;
        } catch (error) {
          if (!isAppError(error))
            options.logger.error({ err: error }, 'websocket authentication failed');
          ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden');
          return false;
        }
      },
      onClose: (ctx) => {
        clearTimeout(state.get(ctx.extra)?.expiryTimer);
      },
      context: (ctx): RequestContext => ({
        caller: state.get(ctx.extra)?.caller ?? null,
        authError: null,
        services: options.services,
        logger: options.logger,
        requestId: `ws-${ctx.extra.request.headers['x-request-id']?.toString().slice(0, 64) ?? 'anon'}`,
      }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => options.formatError(e.toJSON(), e)) }
          : undefined,
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => options.formatError(e.toJSON(), e)),
    },
    wss,
  );

  return {
    async close() {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
