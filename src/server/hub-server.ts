import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { AbuseLimits } from './abuse-limits.js';
import { createApollo, type GraphqlSettings } from './apollo.js';
import type { Authenticator } from './auth.js';
import { consentCallbackRouter } from './consent-callback.router.js';
import { corsHandler } from './cors.js';
import { createErrorFormatter } from './format-error.js';
import { attachGraphqlWs } from './graphql-ws.js';
import { healthRouter } from './health.router.js';
import { createHttpServer, GRAPHQL_PATH, listen, type PlainHandler } from './http-app.js';
import { PORTAL_PATH, portalRouter, type PortalSettings } from './portal.router.js';
import type { Services } from './services.js';

export interface HubServerOptions {
  host: string;
  port: number;
  schema: GraphQLSchema;
  services: Services;
  authenticator: Authenticator;
  logger: Logger;
  graphql: GraphqlSettings;
  /** Request budgets per IP and per caller, WebSocket caps (src/server/abuse-limits.ts). */
  abuse: AbuseLimits;
  /** An external portal's page for the consent outcome; the built-in portal's when unset. */
  portalUrl?: string;
  portal: PortalSettings;
  /** Largest accepted request body (HTTP) or message (WebSocket). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Database ping for /readyz. */
  ready: () => Promise<boolean>;
  /** Extra handlers (webhook receivers), tried before GraphQL in order. */
  handlers?: PlainHandler[];
  /** Origins of portals served elsewhere that may call /graphql from a browser (CORS); none: off. */
  corsOrigins?: readonly string[];
}

export interface RunningHubServer {
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  port: number;
  server: Server;
  /** Adds a plain handler after the ones given at start (e.g. once webhooks are wired). */
  mount(handler: PlainHandler): void;
  /** Stops accepting, closes sockets and subscriptions, stops Apollo. */
  close(): Promise<void>;
}

/** One node:http server: Apollo at /graphql, graphql-ws on the same path, plain handlers. */
export async function startHubServer(options: HubServerOptions): Promise<RunningHubServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const formatError = createErrorFormatter(options.logger, {
    suggestions: options.graphql.suggestions,
  });
  const apollo = createApollo({
    schema: options.schema,
    settings: options.graphql,
    formatError,
    logger: options.logger,
  });
  await apollo.start();

  const handlers: PlainHandler[] = [
    ...(options.corsOrigins?.length ? [corsHandler(options.corsOrigins)] : []),
    healthRouter(options.ready),
    consentCallbackRouter(
      options.services.consent,
      consentLanding(options),
      options.logger,
      options.abuse,
    ),
    ...(options.handlers ?? []),
    ...[portalRouter(options.portal, options.logger)].filter((h) => h !== null),
  ];
  const server = createHttpServer({
    apollo,
    authenticator: options.authenticator,
    services: options.services,
    logger: options.logger,
    maxBodyBytes,
    limits: options.graphql,
    abuse: options.abuse,
    handlers,
  });
  const ws = attachGraphqlWs({
    server,
    path: GRAPHQL_PATH,
    schema: options.schema,
    settings: options.graphql,
    authenticator: options.authenticator,
    services: options.services,
    formatError,
    logger: options.logger,
    maxPayloadBytes: maxBodyBytes,
    abuse: options.abuse,
  });
  const port = await listen(server, options.host, options.port);
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    server,
    mount: (handler) => void handlers.push(handler),
    async close() {
      await ws.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}

function consentLanding(options: HubServerOptions) {
  if (options.portalUrl) return { portalUrl: options.portalUrl };
  return options.portal.enabled ? { builtInPortalPath: `${PORTAL_PATH}/consent` } : {};
}
