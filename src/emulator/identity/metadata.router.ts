import type { EmulatorContext } from '../emulator-context.js';
import { json } from '../http/responses.js';
import type { Router } from '../http/router.js';
import type { EmuRequest } from '../http/types.js';
import { aadError } from './aad-error.js';

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

/**
 * OpenID discovery as MSAL reads it. With only `knownAuthorities` configured, MSAL fetches
 * `{authority}/v2.0/.well-known/openid-configuration` and requires `authorization_endpoint`,
 * `token_endpoint`, `issuer` and `jwks_uri`, and an issuer on the authority's own origin.
 */
export function registerMetadataRoutes(router: Router<EmulatorContext>): void {
  router.add('GET', '/:tenant/v2.0/.well-known/openid-configuration', (request, params, ctx) => {
    const segment = params['tenant'] ?? '';
    const tenantId = MULTI_TENANT.has(segment.toLowerCase())
      ? '{tenantid}'
      : ctx.registry.findTenant(segment)?.id;
    if (!tenantId) return unknownTenant(ctx, request, segment);
    return json(200, openIdConfiguration(ctx.baseUrl, segment, tenantId));
  });
  router.add('GET', '/:tenant/discovery/v2.0/keys', (_request, _params, ctx) =>
    json(200, ctx.keys.jwks),
  );
  router.add('GET', '/common/discovery/instance', (_request, _params, ctx) => {
    const host = new URL(ctx.baseUrl).host;
    return json(200, {
      tenant_discovery_endpoint: `${ctx.baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
}

/**
 * Entra answers an unknown tenant here with `invalid_tenant` (the token endpoint says
 * `invalid_request`), both with AADSTS90002.
 */
function unknownTenant(ctx: EmulatorContext, request: EmuRequest, tenant: string) {
  return aadError(
    request,
    ctx.clock.now(),
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ctx.baseUrl,
  );
}

export function openIdConfiguration(baseUrl: string, segment: string, tenantId: string) {
  const authority = `${baseUrl}/${segment}`;
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${baseUrl}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'oid', 'roles'],
    kerberos_endpoint: `${authority}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: new URL(baseUrl).host,
    rbac_url: 'https://pas.windows.net',
  };
}
