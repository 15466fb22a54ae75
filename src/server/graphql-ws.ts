import type { Server } from 'node:http';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Caller } from '../domain/caller.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import { LiveTopic } from '../events/live-events.js';
import type { AbuseLimits } from './abuse-limits.js';
import type { GraphqlSettings } from './apollo.js';
import type { Authenticator } from './auth.js';
import type { RequestContext } from './context.js';
import type { ErrorFormatter } from './format-error.js';
import { limitRules, parseWithinLimits } from './graphql-limits.js';
import { logRefusal, refusalCodes } from './refusals.js';
import type { Services } from './services.js';
import { CLOSE_FORBIDDEN, WsSessions, type WsExtra, type WsSession } from './ws-sessions.js';

export { CREDENTIAL_RECHECK_MS } from './ws-sessions.js';

type WsContext = Context<Record<string, unknown>, WsExtra>;

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
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
  });
  const gateway = new WsGateway(options);
  const revocations = options.services.live.subscribe(LiveTopic.CREDENTIAL_REVOKED);
  void (async () => {
    for await (const event of revocations) gateway.sessions.revoke(event);
  })().catch((error: unknown) =>
    options.logger.error({ err: error }, 'revocation listener stopped'),
  );
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((e) => options.formatError(e.toJSON(), e));
  const disposable = useServer<Record<string, unknown>, WsExtra>(
    {
      schema: options.schema,
      onConnect: (ctx) => gateway.connect(ctx),
      onSubscribe: (ctx, id, payload) => gateway.subscribe(ctx, id, payload),
      onClose: (ctx) => gateway.sessions.close(ctx.extra),
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        const codes = refusalCodes(result.errors);
        const caller = gateway.sessions.get(ctx.extra)?.caller ?? null;
        if (codes.length > 0) gateway.refuse(ctx, caller, codes.join(','), 'operation');
        return { ...result, errors: format(result.errors) };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wss,
    // Protocol-level pings (browsers answer them without the page seeing them): idle live-event
    // sockets stay open through proxies, and a dead peer is dropped within two intervals.
    // https://github.com/enisdenjo/graphql-ws (useServer's keepAlive argument).
    options.settings.wsKeepAliveMs,
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

/** What each graphql-ws message passes through: authentication, budgets, limits, context. */
class WsGateway {
  readonly sessions: WsSessions;
  private readonly rules: ValidationRule[];

  constructor(private readonly options: GraphqlWsOptions) {
    this.sessions = new WsSessions(options.authenticator, options.services, options.recheckMs);
    this.rules = [
      ...specifiedRules,
      ...limitRules(options.settings),
      ...(options.settings.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ];
  }

  refuse(ctx: WsContext, caller: Caller | null, code: string, reason: string): void {
    logRefusal(this.options.logger, {
      code,
      transport: 'ws',
      caller,
      ...(caller ? {} : { ip: this.options.abuse.clientIp(ctx.extra.request) }),
      reason,
    });
  }

  async connect(ctx: WsContext): Promise<boolean> {
    const params = ctx.connectionParams ?? {};
    const raw = params['authorization'] ?? params['Authorization'];
    const header = typeof raw === 'string' ? raw : null;
    const { abuse } = this.options;
    try {
      const auth = header ? await this.options.authenticator.authenticate(header) : null;
      if (!auth || !header) throw new MissingCredential();
      const cap = abuse.settings.wsConnectionsPerCaller;
      if (cap > 0 && this.sessions.ofCaller(auth.caller).length >= cap) {
        this.refuse(ctx, auth.caller, ErrorCode.RATE_LIMITED, `more than ${cap} connections`);
        ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Too many connections');
        return false;
      }
      this.sessions.open(ctx.extra, auth, header, () => Object.keys(ctx.subscriptions).length);
      return true;
    } catch (error) {
      if (isAppError(error) || error instanceof MissingCredential) {
        // Guessing credentials is anonymous traffic: it spends the client IP's budget.
        await abuse.admitAnonymous(ctx.extra.request);
        this.refuse(ctx, null, ErrorCode.UNAUTHENTICATED, 'connection_init');
      } else {
        this.options.logger.error({ err: error }, 'websocket authentication failed');
      }
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden');
      return false;
    }
  }

  async subscribe(
    ctx: WsContext,
    id: string,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const session = this.sessions.get(ctx.extra);
    if (!session || !(await this.sessions.stillValid(session))) {
      this.refuse(ctx, session?.caller ?? null, ErrorCode.FORBIDDEN, 'credential no longer valid');
      ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Credential revoked');
      return [
        new GraphQLError('The credential is no longer valid', {
          extensions: { code: ErrorCode.UNAUTHENTICATED },
        }),
      ];
    }
    const refused = await this.admit(ctx, session);
    if (refused) return refused;
    const { caller } = session;
    const parsed = parseWithinLimits(payload.query, this.options.settings);
    if (!parsed.ok) {
      if (parsed.tooComplex) {
        this.refuse(ctx, caller, ErrorCode.QUERY_TOO_COMPLEX, parsed.error.message);
      }
      return [parsed.error];
    }
    const errors = validate(this.options.schema, parsed.document, this.rules);
    if (errors.length > 0) {
      const codes = refusalCodes(errors);
      if (codes.length > 0) this.refuse(ctx, caller, codes.join(','), 'validation');
      return errors;
    }
    const requestId = `ws-${id.slice(0, 64)}`;
    const contextValue: RequestContext = {
      caller,
      authError: null,
      services: this.options.services,
      logger: this.options.logger.child({ requestId }),
      requestId,
    };
    return {
      schema: this.options.schema,
      document: parsed.document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue,
    };
  }

  /** The caller's operation budget and subscription cap; errors when the operation is refused. */
  private async admit(ctx: WsContext, session: WsSession): Promise<readonly GraphQLError[] | null> {
    const { abuse } = this.options;
    const cap = abuse.settings.wsSubscriptionsPerCaller;
    const running = this.sessions.ofCaller(session.caller).reduce((n, s) => n + s.operations(), 0);
    const overCap = cap > 0 && running > cap;
    const admission = overCap
      ? { allowed: false as const, retryAfterSeconds: 60 }
      : await abuse.admitCaller(session.caller);
    if (admission.allowed) return null;
    const why = overCap ? `more than ${cap} operations` : 'operation budget';
    this.refuse(ctx, session.caller, ErrorCode.RATE_LIMITED, why);
    return [
      new GraphQLError(`Too many requests (${why}); retry later`, {
        extensions: {
          code: ErrorCode.RATE_LIMITED,
          retryAfterSeconds: admission.retryAfterSeconds,
        },
      }),
    ];
  }
}

class MissingCredential extends Error {
  constructor() {
    super('no credential');
  }
}
