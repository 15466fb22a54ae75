import { GraphError } from '@microsoft/microsoft-graph-client';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { EntraAuthReason } from '../../domain/connector.js';
import { tokenFailureOf } from './entra-auth-error.js';

/**
 * Graph failure -> AppError, the one classification every caller uses (sync readers, Verify
 * Connection, the group picker, subscription upkeep). `what` names the call for the message
 * ("list groups"). A token failure is the token provider's own AppError, whichever call met it;
 * Graph's own message is not forwarded to clients: the cause keeps it for the logs.
 */
export function toGraphAppError(error: unknown, what: string): AppError {
  const tokenFailure = tokenFailureOf(error);
  if (tokenFailure) return tokenFailure;
  if (error instanceof GraphError) {
    const status = error.statusCode;
    if (status === 401 || status === 403) return graphRefusal(error, what);
    if (status === 404) {
      return new AppError(ErrorCode.NOT_FOUND, `Not found in Microsoft Graph (${what})`, {
        cause: error,
      });
    }
    if (status === 400) {
      return new AppError(ErrorCode.BAD_USER_INPUT, `Microsoft Graph refused "${what}"`, {
        cause: error,
        details: { graphCode: error.code ?? null },
      });
    }
  }
  // 429 past the retries, 5xx, timeouts and network failures.
  return new AppError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    `Microsoft Graph is unavailable (${what}). Try again in a few minutes.`,
    { cause: error },
  );
}

/**
 * 401: Graph refused the token itself (the app was removed or disabled in the tenant since the
 * token was issued). 403: the token lacks an application permission the call needs; Graph does
 * not say whether consent was never granted, was revoked, or one permission is missing, so the
 * message covers all three and sends the admin to Verify Connection, which tells them apart.
 */
function graphRefusal(error: GraphError, what: string): AppError {
  const denied = error.statusCode === 403;
  return new AppError(
    ErrorCode.UPSTREAM_UNAUTHORIZED,
    denied
      ? `Microsoft Graph denied "${what}": the app lacks admin consent for an application permission it needs (User.Read.All and Group.Read.All) in this tenant: never granted, revoked, or removed. Click Verify Connection to see which and grant admin consent.`
      : `Microsoft Graph rejected the access token for "${what}": the app was removed or disabled in the tenant since the token was issued. Click Verify Connection to re-authorize the connector.`,
    {
      cause: error,
      details: {
        reason: denied ? EntraAuthReason.MISSING_PERMISSIONS : EntraAuthReason.TOKEN_REJECTED,
        graphCode: error.code ?? null,
      },
    },
  );
}
