import { EntraAuthReason } from '../../domain/connector.js';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { CONSENT_FIXES, entraAuthError, entraReasonOf } from './entra-auth-error.js';
import type { EntraClientFactory } from './graph-client.factory.js';
import { toGraphAppError } from './graph-errors.js';
import type { EntraCredentials } from './token-provider.js';

export const REQUIRED_PERMISSIONS = ['User.Read.All', 'Group.Read.All'] as const;
export type RequiredPermission = (typeof REQUIRED_PERMISSIONS)[number];

export type VerificationResult =
  | { ok: true }
  | {
      ok: false;
      /** UPSTREAM_UNAUTHORIZED (with `details.reason`) or UPSTREAM_UNAVAILABLE. */
      error: AppError;
      /** True when the admin-consent round trip is the fix (see CONSENT_FIXES). */
      consentRequired: boolean;
      missingPermissions: RequiredPermission[];
    };

/** Each permission is proven by the cheapest Graph read that needs it. */
const PROBES: Record<RequiredPermission, string> = {
  'User.Read.All': '/users',
  'Group.Read.All': '/groups',
};

/**
 * "Verify Connection": gets a token with the entered credentials (the token endpoint judges the
 * secret, the tenant and whether the app is there and enabled), then proves each required
 * application permission with a one-item read. Permissions are judged by what Graph allows, not
 * by the token's claims: Microsoft treats access tokens as opaque to clients
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens).
 *
 * With the app registered in the customer's tenant, a token is issued before admin consent too,
 * without permissions: every probe is then denied, which is CONSENT_REQUIRED; some denied is
 * MISSING_PERMISSIONS (the registration lacks one, or it was removed).
 */
export class ConnectionVerifier {
  constructor(private readonly entra: EntraClientFactory) {}

  async verify(credentials: EntraCredentials): Promise<VerificationResult> {
    // Admin consent may just have changed what the tenant grants: never reuse a cached token.
    this.entra.tokens.forget(credentials);
    try {
      await this.entra.tokens.getToken(credentials);
    } catch (error) {
      return failed(error instanceof AppError ? error : toGraphAppError(error, 'get a token'));
    }

    const client = this.entra.graphClient(credentials);
    const missing: RequiredPermission[] = [];
    for (const permission of REQUIRED_PERMISSIONS) {
      try {
        await client.api(PROBES[permission]).top(1).select('id').get();
      } catch (error) {
        const appError = toGraphAppError(error, `read ${PROBES[permission].slice(1)}`);
        if (entraReasonOf(appError) !== EntraAuthReason.MISSING_PERMISSIONS) {
          return failed(appError);
        }
        missing.push(permission);
      }
    }
    if (missing.length === 0) return { ok: true };
    const list = missing.join(' and ');
    const error =
      missing.length === REQUIRED_PERMISSIONS.length
        ? entraAuthError(
            EntraAuthReason.CONSENT_REQUIRED,
            `The app has no admin consent in this tenant: it was never granted, or it was revoked. Grant admin consent (the consent link) as a Global Administrator; the app registration must list ${list} (Microsoft Graph, Application permissions).`,
          )
        : entraAuthError(
            EntraAuthReason.MISSING_PERMISSIONS,
            `The app is missing the ${list} application permission${missing.length > 1 ? 's' : ''}. Add ${missing.length > 1 ? 'them' : 'it'} (Microsoft Graph, Application) to the app registration and grant admin consent.`,
          );
    error.details!['missingPermissions'] = missing;
    return failed(error, missing);
  }
}

function failed(error: AppError, missing: RequiredPermission[] = []): VerificationResult {
  const reason = entraReasonOf(error);
  return {
    ok: false,
    error,
    consentRequired:
      error.code === ErrorCode.UPSTREAM_UNAUTHORIZED &&
      reason !== undefined &&
      CONSENT_FIXES.has(reason),
    missingPermissions: missing,
  };
}
