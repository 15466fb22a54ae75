import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { requestLog } from '../server/request-log.js';
import type { ReadinessCheck } from '../server/health.router.js';
import type { PlainHandler } from '../server/http-app.js';
import { listen, pathOf } from '../server/http-app.js';
import { sendJson } from '../server/http-io.js';
import type { LiveEvents } from '../events/live-events.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { collectConnectorHealth } from './connector-health.collector.js';
import { collectFromDatabase } from './database.collector.js';
import { collectGraphRequests } from './graph-requests.collector.js';
import { HubMetrics } from './hub-metrics.js';
import { collectLiveEvents } from './live-events.collector.js';
import { collectWebhookStats, instrumentWebhookRouter } from './webhook.instrumentation.js';

export const METRICS_PATH = '/metrics';

export interface OperabilityDeps {
  config: Readonly<Config>;
  connection: Connection;
  logger: Logger;
  /** The API's live events (sync runs, connector status) as the runtime wires them. */
  live?: LiveEvents;
  /** The Graph webhook receiver's `stats` object. */
  webhookStats?: WebhookStats;
  /** The running Agenda: /readyz fails once it stops processing jobs. */
  scheduler?: { isActiveJobProcessor(): boolean };
  /** A registry of its own per instance (tests run several hubs in one process). */
  defaultMetrics?: boolean;
  /** Default: what dist/build-info.json and package.json say. */
  buildInfo?: BuildInfo;
}

export interface Operability {
  metrics: HubMetrics;
  /**
   * Mount first with `hub.listen({ handlers })`: request ids and access lines, GET /metrics.
   */
  handlers: PlainHandler[];
  /** Pass to `hub.listen({ readiness })`: joins the database ping of /readyz. */
  readiness: ReadinessCheck[];
  /** With METRICS_PORT: starts the /metrics server on it (otherwise /metrics is in `handlers`). */
  listen(): Promise<void>;
  /** Wrap the Graph webhook receiver's router to time acks and count answers. */
  instrumentWebhooks(router: PlainHandler): PlainHandler;
  /** Stops following live events and undici diagnostics. */
  close(): Promise<void>;
}

/**
 * /metrics and readiness, collected from what the service already has: the
 * database at scrape time, the receiver's counters, the live events, undici's diagnostics
 * channels. The runtime calls this once and mounts the result; nothing else is hooked.
 */
export function createOperability(deps: OperabilityDeps): Operability {
  const metrics = new HubMetrics({ defaultMetrics: deps.defaultMetrics ?? true });
  metrics.buildInfo.set({ ...(deps.buildInfo ?? readBuildInfo()) }, 1);
  const logger = deps.logger.child({ component: 'metrics' });
  const stopGraph = collectGraphRequests(metrics, {
    graphBaseUrl: deps.config.entra.graphBaseUrl,
    authorityHost: deps.config.entra.authorityHost,
  });
  const stopLive = deps.live
    ? collectLiveEvents(metrics, deps.live, logger, (runId) => loadSyncRun(deps.connection, runId))
    : null;

  const scrape = async (): Promise<string> => {
    try {
      await collectFromDatabase(metrics, deps.connection);
      await collectConnectorHealth(metrics, deps.connection, {
        webhooksEnabled: deps.config.http.publicBaseUrl !== undefined,
      });
    } catch (error) {
      // The other metrics stay useful while the database is away; the gauges keep their values.
      metrics.scrapeErrors.inc({ collector: 'database' });
      logger.warn({ err: error }, 'metrics: database gauges not refreshed');
    }
    if (deps.webhookStats) collectWebhookStats(metrics, deps.webhookStats);
    return metrics.registry.metrics();
  };

  const { port, bearerToken } = deps.config.metrics;
  const metricsHandler: PlainHandler = async (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== METRICS_PATH) return false;
    if (bearerToken !== undefined && !bearerMatches(req, bearerToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, { error: 'unauthorized' });
      return true;
    }
    const body = await scrape();
    res.writeHead(200, {
      'content-type': metrics.registry.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
    return true;
  };

  const readiness: ReadinessCheck[] = deps.scheduler
    ? [{ name: 'scheduler', check: () => deps.scheduler!.isActiveJobProcessor() }]
    : [];

  let metricsServer: Server | undefined;
  return {
    metrics,
    handlers: [
      requestLog(deps.logger.child({ component: 'http' })),
      ...(port === undefined ? [metricsHandler] : []),
    ],
    readiness,
    async listen() {
      if (port === undefined || metricsServer) return;
      metricsServer = createServer((req, res) => {
        metricsHandler(req, res).then(
          (handled) => void (handled || sendJson(res, 404, { error: 'not_found' })),
          (error: unknown) => {
            logger.error({ err: error }, 'metrics request failed');
            if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
          },
        );
      });
      await listen(metricsServer, deps.config.http.host, port);
      logger.info({ port }, 'metrics served on their own port');
    },
    instrumentWebhooks: (router) => instrumentWebhookRouter(metrics, router),
    async close() {
      stopGraph();
      await stopLive?.();
      const server = metricsServer;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Constant-time comparison of digests: the token's length does not leak either. */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The sync engine's run document (`sync_runs`), for events that carry only the run id. */
export async function loadSyncRun(
  connection: Connection,
  runId: string,
): Promise<Record<string, unknown> | null> {
  if (!connection.db || !/^[0-9a-f]{24}$/.test(runId)) return null;
  return connection.db.collection('sync_runs').findOne(
    { _id: new Types.ObjectId(runId) },
    {
      projection: { status: 1, trigger: 1, mode: 1, requestedAt: 1, startedAt: 1, finishedAt: 1 },
    },
  );
}
