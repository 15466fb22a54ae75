import type { EmulatorContext } from '../emulator-context.js';
import { json, redirect } from '../http/responses.js';
import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';

const MULTI_TENANT = new Set(['common', 'organizations']);

/**
 * `GET /{tenant}/v2.0/adminconsent`: in Entra an admin signs in and clicks Accept or Cancel. Here
 * no browser is involved: the app's `consentDecision` (control API) decides, and for the
 * `organizations`/`common` form it also names the tenant the "admin" belongs to.
 */
export function registerConsentRoutes(router: Router<EmulatorContext>): void {
  router.add('GET', '/:tenant/v2.0/adminconsent', adminConsent);
}

function adminConsent(request: EmuRequest, params: RouteParams, ctx: EmulatorContext): EmuResponse {
  const query = request.url.searchParams;
  const clientId = query.get('client_id');
  const redirectUri = query.get('redirect_uri');
  const state = query.get('state');
  // Without a trustworthy redirect URI Entra shows an error page instead of redirecting.
  if (!clientId || !redirectUri) {
    return errorPage(400, 900144, `The request must contain 'client_id' and 'redirect_uri'.`);
  }
  const app = ctx.registry.findApp(clientId);
  if (!app) {
    return errorPage(400, 700016, `Application with identifier '${clientId}' was not found.`);
  }
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return errorPage(400, 50011, `The redirect URI '${redirectUri}' is not a valid URL.`);
  }
  if (app.redirectUris.length > 0 && !app.redirectUris.includes(redirectUri)) {
    return errorPage(
      400,
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
    );
  }
  const segment = params['tenant'] ?? '';
  const decision = app.consentDecision;
  const tenant = MULTI_TENANT.has(segment.toLowerCase())
    ? ctx.registry.findTenant(decision.tenantId ?? '')
    : ctx.registry.findTenant(segment);
  const finish = (values: Record<string, string>) => {
    for (const [key, value] of Object.entries(values)) target.searchParams.set(key, value);
    if (state !== null) target.searchParams.set('state', state);
    ctx.counters.adminConsents++;
    return redirect(target.toString());
  };
  if (!tenant) {
    return finish({
      error: 'invalid_request',
      error_description: `AADSTS90002: Tenant '${segment}' not found.`,
    });
  }
  // A single-tenant app (registered in one tenant) cannot be installed in another one: Entra
  // stops at an error page (AADSTS700016) instead of redirecting.
  if (app.homeTenantId !== null && app.homeTenantId !== tenant.id) {
    return errorPage(
      400,
      700016,
      `Application with identifier '${app.clientId}' was not found in the directory '${tenant.displayName}'.`,
    );
  }
  switch (decision.decision) {
    case 'deny':
      return finish({
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
      });
    case 'consent_required':
      return finish({
        error: 'consent_required',
        error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${app.clientId}'. Send an interactive authorization request for this user and resource.`,
      });
    case 'accept': {
      const grant = ctx.registry.grantConsent(tenant.id, app.clientId);
      return finish({
        admin_consent: 'True',
        tenant: tenant.id,
        scope: [...grant.roles].map((role) => `https://graph.microsoft.com/${role}`).join(' '),
      });
    }
    default: {
      const unreachable: never = decision.decision;
      throw new Error(`unknown consent decision ${String(unreachable)}`);
    }
  }
}

function errorPage(status: number, code: number, description: string): EmuResponse {
  return json(status, {
    error: 'invalid_request',
    error_description: `AADSTS${code}: ${description}`,
  });
}
