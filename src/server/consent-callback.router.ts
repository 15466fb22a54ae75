import type { Logger } from 'pino';
import type { ConsentOutcome, ConsentService } from '../connectors/consent.service.js';
import { ErrorCode } from '../domain/errors.js';
import type { AbuseLimits } from './abuse-limits.js';
import { CONSENT_CALLBACK_PATH } from '../integrations/entra/admin-consent.js';
import type { PlainHandler } from './http-app.js';
import { pathOf } from './http-app.js';
import { sendRedirect } from './http-io.js';
import { logRefusal, sendRateLimited } from './refusals.js';

/**
 * `GET /azure/callback`: where Entra's admin-consent page sends the admin's browser. The service
 * checks `state` and re-verifies; this handler only turns the outcome into a redirect to the
 * portal. Only values the service produced (an id we issued, a fixed result/reason vocabulary)
 * reach the portal URL; nothing from the query string is echoed.
 */
export function consentCallbackRouter(
  consent: ConsentService,
  portalUrl: string,
  logger: Logger,
  abuse: AbuseLimits,
): PlainHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== CONSENT_CALLBACK_PATH) return false;
    // Anyone can call it: it spends the client IP's budget like other anonymous requests.
    const admission = await abuse.admitAnonymous(req);
    if (!admission.allowed) {
      logRefusal(logger, {
        code: ErrorCode.RATE_LIMITED,
        transport: 'http',
        ip: abuse.clientIp(req),
        reason: 'consent callback',
      });
      sendRateLimited(res, admission.retryAfterSeconds);
      return true;
    }
    const query = new URL(req.url ?? '/', 'http://hub.invalid').searchParams;
    let outcome: ConsentOutcome;
    try {
      outcome = await consent.completeConsent({
        state: query.get('state'),
        adminConsent: query.get('admin_consent'),
        tenant: query.get('tenant'),
        error: query.get('error'),
      });
    } catch (error) {
      // The admin is in a browser: send them back to the portal with an outcome, not a 500 page.
      logger.error({ err: error }, 'admin-consent callback failed');
      outcome = { connectorId: null, result: 'error', reason: 'internal_error' };
    }
    sendRedirect(res, portalRedirect(portalUrl, outcome));
    return true;
  };
}

export function portalRedirect(portalUrl: string, outcome: ConsentOutcome): string {
  const target = new URL(portalUrl);
  if (outcome.connectorId) target.searchParams.set('connectorId', outcome.connectorId);
  target.searchParams.set('result', outcome.result);
  if (outcome.reason) target.searchParams.set('reason', outcome.reason);
  return target.toString();
}
