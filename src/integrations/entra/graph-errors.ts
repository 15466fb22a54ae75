import { GraphError } from '@microsoft/microsoft-graph-client';
import { AppError, ErrorCode, isAppError } from '../../domain/errors.js';
import { aadstsCode, EntraAuthReason, toEntraAuthError } from './entra-auth-error.js';

/**
 * Graph failure -> AppError. `what` names the call for the message ("list groups"). Graph's own
 * message is not forwarded to clients: the cause keeps it for the logs.
 */
export function toGraphAppError(error: unknown, what: string): AppError {
  if (isAppError(error)) return error;
  if (error instanceof GraphError) {
    // A token failure thrown by our auth provider reaches here re-wrapped by the SDK, which keeps
    // only the message and the error's name as `code`; our messages carry the AADSTS number.
    if (error.statusCode === -1 && error.code === 'AppError') {
      const code = aadstsCode(error);
      return code
        ? toEntraAuthError({ errorNo: code })
        : new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, error.message, { cause: error });
    }
    const status = error.statusCode;
    if (status === 401 || status === 403) {
      const missingPermission = error.code === 'Authorization_RequestDenied' || status === 403;
      return new AppError(
        ErrorCode.UPSTREAM_UNAUTHORIZED,
        missingPermission
          ? `Microsoft Graph denied "${what}": the app is missing an application permission (User.Read.All and Group.Read.All are needed) or admin consent.`
          : `Microsoft Graph rejected the access token for "${what}": admin consent may have been revoked or the app removed from the tenant. Click Verify Connection to re-authorize the connector.`,
        {
          cause: error,
          details: {
            reason: missingPermission
              ? EntraAuthReason.MISSING_PERMISSIONS
              : EntraAuthReason.TOKEN_REJECTED,
            graphCode: error.code ?? null,
          },
        },
      );
    }
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
  // 429 past the SDK's retries, 5xx, timeouts and network failures.
  return new AppError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    `Microsoft Graph is unavailable (${what}). Try again in a few minutes.`,
    { cause: error },
  );
}
