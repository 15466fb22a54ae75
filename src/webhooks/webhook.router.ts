import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  BodyTooLargeError,
  isJsonContentType,
  readBody,
  sendEmpty,
  sendPlainText,
} from '../server/http-io.js';
import { WebhookRejection, WebhookRequestError, sendRejection } from './webhook-rejection.js';
import type { IntakeOutcome, NotificationIntake } from './notification-intake.service.js';
import { notificationBodySchema, type GraphNotification } from './notification.schema.js';
import type { WebhookStats } from './webhook-stats.js';

export const WEBHOOK_PATH = '/webhooks/graph';
export const LIFECYCLE_PATH = `${WEBHOOK_PATH}/lifecycle`;

export interface WebhookRouterDeps {
  intake: NotificationIntake;
  stats: WebhookStats;
  logger: Logger;
  /** Bodies larger than this get 413 (config `WEBHOOK_MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /**
   * Persisting must finish well inside Graph's 3-second budget; past this the receiver answers
   * 503 (Graph redelivers) instead of being counted as a slow endpoint.
   */
  persistTimeoutMs?: number;
}

/** Handles a request and returns true, or returns false when the path is not a webhook path. */
export type WebhookRouter = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The Graph change-notification receiver, for a plain node:http server: `POST /webhooks/graph`
 * and `POST /webhooks/graph/lifecycle`. It never throws: every failure becomes a 4xx/5xx answer.
 */
export function createWebhookRouter(deps: WebhookRouterDeps): WebhookRouter {
  const log = deps.logger.child({ component: 'webhook-router' });
  const persistTimeoutMs = deps.persistTimeoutMs ?? 2_000;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    if (url.pathname !== WEBHOOK_PATH && url.pathname !== LIFECYCLE_PATH) return false;
    try {
      await handle(url, req, res);
    } catch (error) {
      if (error instanceof WebhookRequestError) {
        countRejection(deps.stats, error.rejection);
        if (!res.headersSent) sendRejection(res, error);
      } else {
        log.error({ err: error }, 'webhook request failed');
        if (!res.headersSent) sendEmpty(res, 500);
      }
    }
    return true;
  };

  async function handle(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Graph's validation handshake: POST {url}?validationToken=... (no JSON body). The answer must
    // be the URL-decoded token as text/plain within 10 s. URLSearchParams decodes form-style
    // ('+' is a space), as Microsoft's own samples do.
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      req.resume();
      deps.stats.validations += 1;
      if (token.length > 4_096) throw new WebhookRequestError(WebhookRejection.MALFORMED);
      sendPlainText(res, 200, token);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      throw new WebhookRequestError(WebhookRejection.METHOD_NOT_ALLOWED);
    }
    deps.stats.requests += 1;
    if (!isJsonContentType(req.headers['content-type'])) {
      req.resume();
      throw new WebhookRequestError(WebhookRejection.UNSUPPORTED_MEDIA_TYPE);
    }
    const items = parse(await readWebhookBody(req, deps.maxBodyBytes));
    const outcome = await persist(items);
    sendEmpty(res, 202);
    // Debug only (hot path): fault tests key a SIGKILL on it, operators can trace a delivery.
    log.debug(
      { items: items.length, connectors: outcome.changedConnectorIds },
      'notifications acknowledged',
    );
    void deps.intake.dispatch(outcome).catch((error: unknown) => {
      log.error({ err: error }, 'dispatch after acknowledgement failed');
    });
  }

  async function persist(items: GraphNotification[]): Promise<IntakeOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`persisting took over ${persistTimeoutMs} ms`)),
        persistTimeoutMs,
      );
    });
    try {
      return await Promise.race([deps.intake.accept(items), timeout]);
    } catch (error) {
      deps.stats.persistFailures += 1;
      log.error({ err: error }, 'could not persist notifications; answering 503 so Graph retries');
      throw new WebhookRequestError(WebhookRejection.UNAVAILABLE);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parse(body: Buffer): GraphNotification[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookRequestError(WebhookRejection.MALFORMED);
  }
  const parsed = notificationBodySchema.safeParse(json);
  if (!parsed.success) throw new WebhookRequestError(WebhookRejection.MALFORMED);
  return parsed.data.value;
}

function countRejection(stats: WebhookStats, rejection: WebhookRejection): void {
  switch (rejection) {
    case WebhookRejection.MALFORMED:
      stats.malformed += 1;
      break;
    case WebhookRejection.PAYLOAD_TOO_LARGE:
      stats.tooLarge += 1;
      break;
    case WebhookRejection.UNSUPPORTED_MEDIA_TYPE:
      stats.unsupportedMediaType += 1;
      break;
    case WebhookRejection.METHOD_NOT_ALLOWED:
    case WebhookRejection.UNAVAILABLE:
      break;
    default: {
      const never: never = rejection;
      throw new Error(`unhandled rejection ${String(never)}`);
    }
  }
}

async function readWebhookBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new WebhookRequestError(WebhookRejection.PAYLOAD_TOO_LARGE);
    }
    throw error;
  }
}
