import Negotiator from 'negotiator';
import type { Logger } from 'pino';
import type { ConsentOutcome, ConsentService } from '../connectors/consent.service.js';
import { ErrorCode } from '../domain/errors.js';
import type { AbuseLimits } from './abuse-limits.js';
import { CONSENT_CALLBACK_PATH } from '../integrations/entra/admin-consent.js';
import { consentOutcomePage, describeConsentOutcome } from './consent-outcome.js';
import type { PlainHandler } from './http-app.js';
import { pathOf } from './http-app.js';
import { sendJson, sendRedirect } from './http-io.js';
import { logRefusal, sendRateLimited } from './refusals.js';

/** Where the admin's browser goes after the callback (the first that applies). */
export interface ConsentLanding {
  /** An external portal's page (PORTAL_URL). */
  portalUrl?: string;
  /** The built-in portal's page, when the portal is on (`/portal/consent`). */
  builtInPortalPath?: string;
}

/**
 * `GET /azure/callback`: where Entra's admin-consent page sends the admin's browser. The service
 * checks `state` and re-verifies; this handler only presents the outcome: a browser is redirected
 * to the portal (an external one, else the built-in one) or, with no portal, gets a small page; a
 * client that asks for JSON (`Accept: application/json`) gets the outcome as JSON. Only values
 * the service produced (an id we issued, a fixed result/reason vocabulary) reach the answer;
 * nothing from the query string is echoed.
 */
export function consentCallbackRouter(
  consent: ConsentService,
  landing: ConsentLanding,
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
      // The admin is in a browser: show an outcome, not a 500 page.
      logger.error({ err: error }, 'admin-consent callback failed');
      outcome = { connectorId: null, result: 'error', reason: 'internal_error' };
    }
    // Browsers put text/html first; `*/*` (curl, fetch) and no header count as a browser too,
    // so redirects keep working for clients that follow them.
    const wanted = new Negotiator(req).mediaType(['text/html', 'application/json']);
    if (wanted === 'application/json') {
      sendJson(res, 200, { ...outcome, ...describeConsentOutcome(outcome) });
    } else if (landing.portalUrl) {
      sendRedirect(res, portalRedirect(landing.portalUrl, outcome));
    } else if (landing.builtInPortalPath) {
      const target = portalRedirect(`http://hub.invalid${landing.builtInPortalPath}`, outcome);
      sendRedirect(res, target.slice('http://hub.invalid'.length));
    } else {
      sendOutcomePage(res, outcome);
    }
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

function sendOutcomePage(res: Parameters<PlainHandler>[1], outcome: ConsentOutcome): void {
  const page = consentOutcomePage(outcome);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  res.end(page);
}
