import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { CallerRole, type Caller } from '../domain/caller.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import { LiveTopic, type CredentialRevokedEvent } from '../events/live-events.js';
import { callerKey, type AbuseLimits } from './abuse-limits.js';
import type { GraphqlSettings } from './apollo.js';
import type { Authenticator } from './auth.js';
import type { RequestContext } from './context.js';
import type { ErrorFormatter } from './format-error.js';
import { limitRules, parseWithinLimits } from './graphql-limits.js';
import { logRefusal, refusalCodes } from './refusals.js';
import type { Services } from './services.js';

/** graphql-ws close codes (4401 Unauthorized, 4403 Forbidden are the library's conventions). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
/** How long a socket's credential counts as checked; revocation events close sockets sooner. */
export const CREDENTIAL_RECHECK_MS = 15_000;

interface Connection {
  socket: WebSocket;
  caller: Caller;
  /** The credential as sent, kept in memory only, to check it again. */
  header: string;
  checkedAt: number;
  expiryTimer?: NodeJS.Timeout;
  /** graphql-ws's running operations of this socket. */
  operations: () => number;
}

type Extra = { request: IncomingMessage; socket: WebSocket };
type WsContext = Context<Record<string, unknown>, Extra>;

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
  abuse: AbuseLimits;
  recheckMs?: number;
}

/**
 * graphql-ws on the same port and path as HTTP GraphQL. The client authenticates in
 * `connection_init` (`{ authorization: "Bearer <jwt>" }` or `"Connector <token>"`) with the same
 * Authenticator as HTTP; each operation then re-checks that credential (at most every
 * CREDENTIAL_RECHECK_MS) and passes the same budgets and document limits as HTTP. A revoked
 * credential (CREDENTIAL_REVOKED, heard from every instance through the event bus) or a failed
 * re-check closes the socket with 4403; a JWT that expires closes it with 4401.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): { close(): Promise<void> } {
  const { abuse, logger } = options;
  const recheckMs = options.recheckMs ?? CREDENTIAL_RECHECK_MS;
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
  });
  const connections = new Map<object, Connection>();
  const rules = [
    ...specifiedRules,
    ...limitRules(options.settings),
    ...(options.settings.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const ofCaller = (caller: Caller) =>
    [...connections.values()].filter((c) => callerKey(c.caller) === callerKey(caller));
  const refuse = (ctx: WsContext, caller: Caller | null, code: string, reason: string) =>
    logRefusal(logger, {
      code,
      transport: 'ws',
      caller,
      ...(caller ? {} : { ip: abuse.clientIp(ctx.extra.request) }),
      reason,
    });

  const revocations = options.services.live.subscribe(LiveTopic.CREDENTIAL_REVOKED);
  void (async () => {
    for await (const event of revocations) {
      for (const connection of connections.values()) {
        if (revokes(event, connection.caller)) {
          connection.socket.close(CLOSE_FORBIDDEN, 'Credential revoked');
        }
      }
    }
  })().catch((error: unknown) => logger.error({ err: error }, 'revocation listener stopped'));

  const onConnect = async (ctx: WsContext): Promise<boolean> => {
    const params = ctx.connectionParams ?? {};
    const raw = params['authorization'] ?? params['Authorization'];
    const header = typeof raw === 'string' ? raw : null;
    try {
      const auth = await options.authenticator.authenticate(header);
      if (!auth || !header) throw new Error('no credential');
      const cap = abuse.settings.wsConnectionsPerCaller;
      if (cap > 0 && ofCaller(auth.caller).length >= cap) {
        refuse(ctx, auth.caller, ErrorCode.RATE_LIMITED, `more than ${cap} connections`);
        ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Too many connections');
        return false;
      }
      const connection: Connection = {
        socket: ctx.extra.socket,
        caller: auth.caller,
        header,
        checkedAt: Date.now(),
        operations: () => Object.keys(ctx.subscriptions).length,
      };
      if (auth.expiresAt) {
        const ms = Math.max(0, auth.expiresAt.getTime() - Date.now());
        connection.expiryTimer = setTimeout(
          () => ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Session expired'),
          Math.min(ms, 2_147_000_000),
        );
        connection.expiryTimer.unref();
      }
      connections.set(ctx.extra, connection);
      return true;
    } catch (error) {
      if (isAppError(error) || (error instanceof Error && error.message === 'no credential')) {
        // Guessing credentials is anonymous traffic: it spends the client IP's budget.
        await abuse.admitAnonymous(ctx.extra.request);
        refuse(ctx, null, ErrorCode.UNAUTHENTICATED, 'connection_init');
      } else {
        logger.error({ err: error }, 'websocket authentication failed');
      }
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden');
      return false;
    }
  };

  /** The credential is still valid (checked again once `recheckMs` has passed). */
  const stillValid = async (connection: Connection): Promise<boolean> => {
    if (Date.now() - connection.checkedAt < recheckMs) return true;
    try {
      const auth = await options.authenticator.authenticate(connection.header);
      if (!auth || callerKey(auth.caller) !== callerKey(connection.caller)) return false;
      if (auth.caller.role === CallerRole.COMPANY_ADMIN) {
        if (!(await options.services.companies.exists(auth.caller.companyId))) return false;
      }
      connection.checkedAt = Date.now();
      return true;
    } catch (error) {
      if (!isAppError(error)) throw error;
      return false;
    }
  };

  const onSubscribe = async (
    ctx: WsContext,
    id: string,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    const connection = connections.get(ctx.extra);
    if (!connection || !(await stillValid(connection))) {
      refuse(ctx, connection?.caller ?? null, ErrorCode.FORBIDDEN, 'credential no longer valid');
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Credential revoked');
      return [
        new GraphQLError('The credential is no longer valid', {
          extensions: { code: ErrorCode.UNAUTHENTICATED },
        }),
      ];
    }
    const { caller } = connection;
    const cap = abuse.settings.wsSubscriptionsPerCaller;
    const running = ofCaller(caller).reduce((sum, c) => sum + c.operations(), 0);
    const admission =
      cap > 0 && running > cap
        ? { allowed: false as const, retryAfterSeconds: 60 }
        : await abuse.admitCaller(caller);
    if (!admission.allowed) {
      const why = cap > 0 && running > cap ? `more than ${cap} operations` : 'operation budget';
      refuse(ctx, caller, ErrorCode.RATE_LIMITED, why);
      return [
        new GraphQLError(`Too many requests (${why}); retry later`, {
          extensions: {
            code: ErrorCode.RATE_LIMITED,
            retryAfterSeconds: admission.retryAfterSeconds,
          },
        }),
      ];
    }
    const parsed = parseWithinLimits(payload.query, options.settings);
    if (!parsed.ok) {
      if (parsed.tooComplex) refuse(ctx, caller, ErrorCode.QUERY_TOO_COMPLEX, parsed.error.message);
      return [parsed.error];
    }
    const errors = validate(options.schema, parsed.document, rules);
    if (errors.length > 0) {
      const codes = refusalCodes(errors);
      if (codes.length > 0) refuse(ctx, caller, codes.join(','), 'validation');
      return errors;
    }
    const requestId = `ws-${id.slice(0, 64)}`;
    const contextValue: RequestContext = {
      caller,
      authError: null,
      services: options.services,
      logger: logger.child({ requestId }),
      requestId,
    };
    return {
      schema: options.schema,
      document: parsed.document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue,
    };
  };

  const format = (errors: readonly GraphQLError[]) =>
    errors.map((e) => options.formatError(e.toJSON(), e));
  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: options.schema,
      onConnect,
      onSubscribe,
      onClose: (ctx) => {
        clearTimeout(connections.get(ctx.extra)?.expiryTimer);
        connections.delete(ctx.extra);
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        const codes = refusalCodes(result.errors);
        const caller = connections.get(ctx.extra)?.caller ?? null;
        if (codes.length > 0) refuse(ctx, caller, codes.join(','), 'operation');
        return { ...result, errors: format(result.errors) };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wss,
  );

  return {
    async close() {
      await revocations.return?.();
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Whether a revocation covers the credential a socket was opened with. */
function revokes(event: CredentialRevokedEvent, caller: Caller): boolean {
  switch (caller.role) {
    case CallerRole.CONNECTOR:
      return event.connectorId === ''
        ? event.companyId === caller.companyId
        : event.connectorId === caller.connectorId;
    case CallerRole.COMPANY_ADMIN:
      return event.connectorId === '' && event.companyId === caller.companyId;
    case CallerRole.PARTNER_ADMIN:
      return false;
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}
