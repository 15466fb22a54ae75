import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClock } from './clock.js';
import { createControlRouter, type ControlDeps } from './control/control.router.js';
import { EmulatorControl } from './control/control.service.js';
import { EmulatorContext, type EmulatorSettings } from './emulator-context.js';
import type { GraphCall, GraphRouteMeta } from './graph/graph-call.js';
import { GraphPipeline } from './graph/graph.pipeline.js';
import { registerGroupRoutes } from './graph/groups.router.js';
import { registerMemberRoutes } from './graph/members.router.js';
import { registerUserRoutes } from './graph/users.router.js';
import { registerDeltaRoutes } from './graph/delta.router.js';
import { registerBatchRoutes } from './graph/batch.router.js';
import { createDispatcher } from './http/dispatcher.js';
import { Router } from './http/router.js';
import { listenHttps, type HttpsListener } from './http/server.js';
import { registerConsentRoutes } from './identity/consent.router.js';
import { registerMetadataRoutes } from './identity/metadata.router.js';
import { createSigningKeys } from './identity/signing-keys.js';
import { registerTokenRoutes } from './identity/token.router.js';
import { TOKEN_LIFETIME_SECONDS } from './identity/token.service.js';
import type { DeliverySettings } from './notifications/delivery.service.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import {
  assertSignedBy,
  generateCertificate,
  type EmulatorCertificate,
} from './tls/certificate.js';

export { EmulatorControl } from './control/control.service.js';
export type * from './control/views.js';
export type { FaultSettings } from './faults/fault.service.js';
export type { GenerateOptions, GenerateResult } from './store/tenant-generator.js';
export type { RequestLogEntry } from './observability/request-log.js';
export type { EmulatorCertificate } from './tls/certificate.js';
export { generateCertificate } from './tls/certificate.js';

export interface StartEmulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. URLs always say `localhost`. */
  host?: string;
  /** Use this certificate instead of generating a CA and a leaf. */
  certificate?: EmulatorCertificate;
  /** Dev mode: accept `http://localhost` / `http://127.0.0.1` notification URLs. */
  allowHttpNotificationUrls?: boolean;
  /** How long changes are gathered into one notification POST. Default 100 ms. */
  notificationBatchWindowMs?: number;
  /** Receives one line per request and per internal error. Default: silent. */
  logger?: (line: string) => void;
  /** Require `Authorization: Bearer <adminKey>` on the control API. */
  adminKey?: string;
  /** Give up retrying a notification after this long. Default 4 h, as Graph. */
  notificationRetryWindowMs?: number;
  /** First retry delay, doubled each time. Default 10 s. */
  notificationRetryBaseMs?: number;
  /** Validation handshake timeout. Default 10 s, as Graph. */
  validationTimeoutMs?: number;
  /** A receiver slower than this fails the delivery. Default 3 s, as Graph. */
  deliveryTimeoutMs?: number;
  /** Entries kept in the request log. Default 1000. */
  requestLogSize?: number;
  /**
   * `expires_in` of access tokens, default 3599. Under 300 s, MSAL (which renews a token five
   * minutes before it expires) asks for a new token on every call: tests use that to make a
   * secret's expiry or a revoked consent show at once instead of an hour later.
   */
  tokenLifetimeSeconds?: number;
  /** Answers before an endpoint can be judged slow or dropping. Default 100, as Graph. */
  endpointHealthMinSamples?: number;
  /** Extra delay for a slow endpoint. Default 10 s, as Graph. */
  slowEndpointDelayMs?: number;
  /** How long a dropping endpoint loses notifications (emulator clock). Default 10 min. */
  dropDurationMs?: number;
  /** Delivery pauses this long (emulator clock) after an unanswered reauthorizationRequired. Default 1 h. */
  reauthorizationGraceMs?: number;
  /** Extra CA to trust for https notification receivers (e.g. the hub's dev certificate). */
  notificationCaCertPem?: string;
}

export interface RunningEmulator {
  /** `https://localhost:PORT`: the one port everything is served on. */
  url: string;
  /** Authority host for MSAL: authority = `${authorityHost}/${tenantId}`. */
  authorityHost: string;
  /** Graph base URL; the hub appends `/v1.0`. */
  graphBaseUrl: string;
  /** The CA certificate clients must trust. */
  caCertPem: string;
  /** Writes the CA PEM (default: a file in the OS temp dir) and returns its path. */
  writeCaFile(path?: string): Promise<string>;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const certificate = options.certificate ?? (await generateCertificate());
  assertSignedBy(certificate);
  const log = options.logger ?? (() => undefined);
  const ctx = new EmulatorContext(
    new EmulatorClock(),
    await createSigningKeys(),
    emulatorSettings(options),
    log,
  );
  const notifications = new NotificationsModule(
    ctx,
    deliverySettings(options),
    options.notificationCaCertPem,
  );
  const control = new EmulatorControl(ctx, notifications);
  const controlDeps: ControlDeps = {
    control,
    info: () => ({
      authorityHost: ctx.baseUrl,
      graphBaseUrl: ctx.baseUrl,
      caCertPem: certificate.ca,
    }),
  };
  const listener = await listenHttps({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    cert: certificate.cert,
    key: certificate.key,
    handle: createDispatcher({
      ctx,
      graph: createGraphPipeline(ctx, notifications),
      identity: createIdentityRouter(),
      control: createControlRouter(),
      controlDeps,
      ...(options.adminKey !== undefined ? { adminKey: options.adminKey } : {}),
    }),
    onInternalError: (error) =>
      log(`internal error: ${error instanceof Error ? error.message : String(error)}`),
  });
  ctx.baseUrl = `https://localhost:${listener.port}`;
  return running(ctx.baseUrl, certificate, listener, control, notifications);
}

function emulatorSettings(options: StartEmulatorOptions): EmulatorSettings {
  return {
    allowHttpNotificationUrls: options.allowHttpNotificationUrls ?? false,
    notificationBatchWindowMs: options.notificationBatchWindowMs ?? 100,
    notificationRetryWindowMs: options.notificationRetryWindowMs ?? 4 * 3600_000,
    notificationRetryBaseMs: options.notificationRetryBaseMs ?? 10_000,
    validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 3_000,
    requestLogSize: options.requestLogSize ?? 1000,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS,
  };
}

function deliverySettings(options: StartEmulatorOptions): DeliverySettings {
  return {
    endpointHealthMinSamples: options.endpointHealthMinSamples ?? 100,
    slowEndpointDelayMs: options.slowEndpointDelayMs ?? 10_000,
    dropDurationMs: options.dropDurationMs ?? 10 * 60_000,
    reauthorizationGraceMs: options.reauthorizationGraceMs ?? 3600_000,
  };
}

/**
 * Graph routes in match order: literal routes such as `/users/delta` before `/users/:id` (the
 * router tries them in the order added). `$batch` steps go back through the same pipeline.
 */
function createGraphPipeline(ctx: EmulatorContext, notifications: NotificationsModule) {
  const router = new Router<GraphCall, GraphRouteMeta>();
  registerDeltaRoutes(router);
  registerUserRoutes(router);
  registerMemberRoutes(router);
  registerGroupRoutes(router);
  const pipeline = new GraphPipeline(ctx, router);
  registerBatchRoutes(router, async (request) => (await pipeline.handle(request)).response);
  notifications.registerRoutes(router);
  return pipeline;
}

function createIdentityRouter(): Router<EmulatorContext> {
  const router = new Router<EmulatorContext>();
  registerTokenRoutes(router);
  registerMetadataRoutes(router);
  registerConsentRoutes(router);
  return router;
}

function running(
  url: string,
  certificate: EmulatorCertificate,
  listener: HttpsListener,
  control: EmulatorControl,
  notifications: NotificationsModule,
): RunningEmulator {
  return {
    url,
    authorityHost: url,
    graphBaseUrl: url,
    caCertPem: certificate.ca,
    async writeCaFile(path = join(tmpdir(), `entra-emulator-ca-${listener.port}.pem`)) {
      await writeFile(path, certificate.ca, { mode: 0o644 });
      return path;
    },
    control,
    async stop() {
      await notifications.stop();
      await listener.close();
    },
  };
}
