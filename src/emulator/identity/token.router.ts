import { json } from '../http/responses.js';
import type { Router } from '../http/router.js';
import type { EmuRequest, EmuResponse, RouteParams } from '../http/types.js';
import type { EmulatorContext } from '../emulator-context.js';
import type { AppRecord } from '../store/identity-registry.js';
import { aadError, NO_STORE } from './aad-error.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from './token.service.js';

/** `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant and its documented errors. */
export function registerTokenRoutes(router: Router<EmulatorContext>): void {
  router.add('POST', '/:tenant/oauth2/v2.0/token', issueToken);
  router.add('GET', '/:tenant/oauth2/v2.0/token', (request, _params, ctx) =>
    fail(
      ctx,
      request,
      400,
      'invalid_request',
      900561,
      'The endpoint only accepts POST, OPTIONS requests. Received a GET request.',
    ),
  );
}

async function issueToken(
  request: EmuRequest,
  params: RouteParams,
  ctx: EmulatorContext,
): Promise<EmuResponse> {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const basic = parseBasicAuth(request.headers['authorization']);
  const tenant = ctx.registry.findTenant(params['tenant'] ?? '');
  if (!tenant) {
    return fail(
      ctx,
      request,
      400,
      'invalid_request',
      90002,
      `Tenant '${params['tenant']}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
  }
  const grantType = form.get('grant_type');
  if (!grantType) return missingParameter(ctx, request, 'grant_type');
  if (grantType !== 'client_credentials') {
    return fail(
      ctx,
      request,
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const clientId = form.get('client_id') ?? basic?.clientId;
  if (!clientId) return missingParameter(ctx, request, 'client_id');
  const scope = form.get('scope');
  if (!scope) return missingParameter(ctx, request, 'scope');
  const scopeError = checkScope(ctx, request, scope, tenant.defaultDomain);
  if (scopeError) return scopeError;

  const app = ctx.registry.findApp(clientId);
  const sp = app ? ctx.registry.findServicePrincipal(tenant, app.clientId) : undefined;
  // No service principal here: an app from another tenant that no admin installed (consented
  // to), or a client id that does not exist. A single-tenant app always has one at home.
  if (!app || !sp) {
    return fail(
      ctx,
      request,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const secret = form.get('client_secret') ?? basic?.clientSecret;
  const credentialError = checkSecret(ctx, request, app, secret);
  if (credentialError) return credentialError;
  // A choice (the docs do not order the checks): the credentials first, so a wrong secret is
  // reported as such whatever state the enterprise application is in.
  if (!sp.accountEnabled) {
    return fail(
      ctx,
      request,
      400,
      'unauthorized_client',
      7000112,
      `Application '${app.clientId}'(${app.displayName}) is disabled.`,
    );
  }
  // The token's audience is the resource as the client named it (URI or app id), as Entra does.
  const audience = scope.includes(GRAPH_APP_ID) ? GRAPH_APP_ID : GRAPH_RESOURCE;
  const { accessToken, expiresIn } = await ctx.tokens.issue(tenant, app, sp, audience);
  ctx.counters.tokensIssued++;
  return json(
    200,
    {
      token_type: 'Bearer',
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: accessToken,
    },
    { ...NO_STORE },
  );
}

/** AADSTS7000218 / 7000215 / 7000222: no secret, not one of the app's, or expired. */
function checkSecret(
  ctx: EmulatorContext,
  request: EmuRequest,
  app: AppRecord,
  secret: string | null | undefined,
): EmuResponse | null {
  if (!secret) {
    return fail(
      ctx,
      request,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const match = app.secrets.find((candidate) => candidate.value === secret);
  if (!match) {
    return fail(
      ctx,
      request,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  if (match.expiresAt <= ctx.clock.now()) {
    return fail(
      ctx,
      request,
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  return null;
}

function checkScope(ctx: EmulatorContext, request: EmuRequest, scope: string, tenantName: string) {
  const scopes = scope.split(' ').filter(Boolean);
  const resourceScope = scopes.find(
    (s) => s !== 'openid' && s !== 'profile' && s !== 'offline_access',
  );
  if (!resourceScope || !resourceScope.endsWith('/.default')) {
    return fail(
      ctx,
      request,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = resourceScope.slice(0, -'/.default'.length).replace(/\/$/, '');
  if (resource !== GRAPH_RESOURCE && resource !== GRAPH_APP_ID) {
    return fail(
      ctx,
      request,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  return null;
}

function missingParameter(ctx: EmulatorContext, request: EmuRequest, name: string) {
  return fail(
    ctx,
    request,
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );
}

function fail(
  ctx: EmulatorContext,
  request: EmuRequest,
  status: number,
  error: string,
  code: number,
  description: string,
): EmuResponse {
  ctx.counters.tokenErrors++;
  return aadError(request, ctx.clock.now(), status, error, code, description, ctx.baseUrl);
}

/** RFC 6749 2.3.1: id and secret are form-encoded, then joined by ':' and base64-encoded. */
function parseBasicAuth(header: string | undefined) {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  };
  return {
    clientId: decode(decoded.slice(0, colon)),
    clientSecret: decode(decoded.slice(colon + 1)),
  };
}
