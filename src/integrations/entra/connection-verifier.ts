import { decodeJwt } from 'jose';
import type { AppError } from '../../domain/errors.js';
import { ErrorCode } from '../../domain/errors.js';
import { EntraAuthReason, entraAuthError, entraReasonOf } from './entra-auth-error.js';
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
      /** True when granting admin consent is the fix (not consented, no or missing permissions). */
      consentRequired: boolean;
      missingPermissions: RequiredPermission[];
    };

/** Each permission is proven by the cheapest Graph read that needs it. */
const PROBES: Record<RequiredPermission, string> = {
  'User.Read.All': '/users',
  'Group.Read.All': '/groups',
};

/**
 * "Verify Connection": gets a token with the entered credentials, then proves each required
 * application permission with a one-item read. The roles claim is not trusted on its own (Graph
 * tokens are opaque by contract); the probes are what count.
 */
export class ConnectionVerifier {
  constructor(private readonly entra: EntraClientFactory) {}

  async verify(credentials: EntraCredentials): Promise<VerificationResult> {
    // Admin consent may just have changed what the tenant grants: never reuse a cached token.
    this.entra.tokens.forget(credentials);
    let accessToken: string;
    try {
      accessToken = (await this.entra.tokens.getToken(credentials)).accessToken;
    } catch (error) {
      const appError = error as AppError;
      const notConsented = entraReasonOf(appError) === EntraAuthReason.APP_NOT_CONSENTED;
      return { ok: false, error: appError, consentRequired: notConsented, missingPermissions: [] };
    }

    const client = this.entra.graphClient(credentials);
    const missing: RequiredPermission[] = [];
    for (const permission of REQUIRED_PERMISSIONS) {
      try {
        await client.api(PROBES[permission]).top(1).select('id').get();
      } catch (error) {
        const appError = toGraphAppError(error, `read ${PROBES[permission].slice(1)}`);
        if (appError.code !== ErrorCode.UPSTREAM_UNAUTHORIZED) {
          return { ok: false, error: appError, consentRequired: false, missingPermissions: [] };
        }
        // 401: Graph refused the token itself (consent revoked since it was issued), not one
        // permission; consenting again is the fix.
        if (entraReasonOf(appError) === EntraAuthReason.TOKEN_REJECTED) {
          return { ok: false, error: appError, consentRequired: true, missingPermissions: [] };
        }
        missing.push(permission);
      }
    }
    if (missing.length === 0) return { ok: true };

    const noRoles = !hasRolesClaim(accessToken);
    const message = noRoles
      ? 'The app has no application permissions in this tenant. Add User.Read.All and Group.Read.All (Microsoft Graph, Application) and grant admin consent.'
      : `The app is missing the ${missing.join(' and ')} application permission${missing.length > 1 ? 's' : ''}. Add ${missing.length > 1 ? 'them' : 'it'} (Microsoft Graph, Application) and grant admin consent.`;
    const error = entraAuthError(EntraAuthReason.MISSING_PERMISSIONS, message);
    error.details!['missingPermissions'] = missing;
    return { ok: false, error, consentRequired: true, missingPermissions: missing };
  }
}

function hasRolesClaim(accessToken: string): boolean {
  try {
    const roles = decodeJwt(accessToken)['roles'];
    return Array.isArray(roles) && roles.length > 0;
  } catch {
    return true;
  }
}
