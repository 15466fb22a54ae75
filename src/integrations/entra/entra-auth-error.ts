import { GraphClientError } from '@microsoft/microsoft-graph-client';
import { EntraAuthReason } from '../../domain/connector.js';
import { AppError, ErrorCode, isAppError } from '../../domain/errors.js';

/** The reasons whose fix is the admin-consent round trip (Verify Connection offers its URL). */
export const CONSENT_FIXES: ReadonlySet<EntraAuthReason> = new Set([
  EntraAuthReason.APP_NOT_CONSENTED,
  EntraAuthReason.CONSENT_REQUIRED,
  EntraAuthReason.MISSING_PERMISSIONS,
  EntraAuthReason.TOKEN_REJECTED,
]);

const BY_AADSTS: Record<string, { reason: EntraAuthReason; message: string }> = {
  '7000215': {
    reason: EntraAuthReason.INVALID_SECRET,
    message:
      'Entra rejected the client secret (AADSTS7000215). Copy the secret Value (not the Secret ID) from Certificates & secrets and enter it again.',
  },
  '7000222': {
    reason: EntraAuthReason.EXPIRED_SECRET,
    message:
      'The client secret has expired (AADSTS7000222). Create a new client secret in the app registration and enter its Value here.',
  },
  '7000218': {
    reason: EntraAuthReason.MISSING_SECRET,
    message:
      'No client secret was sent (AADSTS7000218). Enter the client secret Value from the app registration.',
  },
  '90002': {
    reason: EntraAuthReason.UNKNOWN_TENANT,
    message:
      'Entra does not know this tenant (AADSTS90002). Check the Directory (tenant) ID on the app registration Overview page.',
  },
  '700016': {
    reason: EntraAuthReason.APP_NOT_CONSENTED,
    message:
      'Entra found no application with this Application (client) ID in the tenant (AADSTS700016). Check the Application (client) ID and the Directory (tenant) ID on the app registration Overview page; an app registered in another tenant must first be installed here by granting admin consent.',
  },
  '7000112': {
    reason: EntraAuthReason.APP_DISABLED,
    message:
      "The app is disabled in this tenant (AADSTS7000112). In Entra, open Enterprise applications, select the app, and under Properties set 'Enabled for users to sign-in?' to Yes.",
  },
};

/** The client-safe details attached to an UPSTREAM_UNAUTHORIZED error from Entra. */
export interface EntraAuthDetails extends Record<string, unknown> {
  reason: EntraAuthReason;
  entraCode?: string;
}

/** What the hub knows about the credentials that makes a message more precise. */
export interface EntraAuthContext {
  /** The client secret's expiry date as entered, when it has passed. */
  secretExpiredOn?: Date | null;
}

/**
 * The AADSTS number of an MSAL error: `errorNo`, else the `AADSTSnnn:` prefix Entra puts on its
 * error_description (MSAL's `errorMessage`).
 */
export function aadstsCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const record = error as { errorNo?: unknown; errorMessage?: unknown };
  if (typeof record.errorNo === 'number' || typeof record.errorNo === 'string') {
    const value = String(record.errorNo);
    if (/^\d+$/.test(value)) return value;
  }
  const match =
    typeof record.errorMessage === 'string' ? /^AADSTS(\d+):/.exec(record.errorMessage) : null;
  return match?.[1];
}

export function entraAuthError(reason: EntraAuthReason, message: string, entraCode?: string) {
  const details: EntraAuthDetails = { reason, ...(entraCode ? { entraCode } : {}) };
  return new AppError(ErrorCode.UPSTREAM_UNAUTHORIZED, message, { details });
}

/**
 * Maps what MSAL threw at the token endpoint to an AppError. Entra's own error text is not
 * passed through: it can echo request values, and our messages say what to do instead.
 */
export function toEntraAuthError(error: unknown, context: EntraAuthContext = {}): AppError {
  if (isAppError(error)) return error;
  const code = aadstsCode(error);
  const known = code ? BY_AADSTS[code] : undefined;
  if (known) {
    const expiredOn = context.secretExpiredOn;
    const message =
      known.reason === EntraAuthReason.EXPIRED_SECRET && expiredOn
        ? `The client secret expired on ${expiredOn.toISOString().slice(0, 10)} (AADSTS7000222). Create a new client secret in the app registration and enter its Value here.`
        : known.message;
    return entraAuthError(known.reason, message, `AADSTS${code}`);
  }
  const errorCode = (error as { errorCode?: unknown } | null)?.errorCode;
  if (
    code &&
    (errorCode === 'invalid_client' ||
      errorCode === 'unauthorized_client' ||
      errorCode === 'invalid_request')
  ) {
    return entraAuthError(
      EntraAuthReason.UNKNOWN,
      `Entra refused the credentials (AADSTS${code}). Check the tenant ID, client ID and secret.`,
      `AADSTS${code}`,
    );
  }
  return new AppError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    'Microsoft Entra could not be reached to get a token. Try again in a few minutes.',
    { cause: error, ...(code ? { details: { entraCode: `AADSTS${code}` } } : {}) },
  );
}

/**
 * A token failure on its way through the Graph SDK. The SDK re-wraps whatever an auth provider
 * throws into a GraphError (status -1) keeping only the message, except a GraphClientError,
 * which it passes on as is: so the AppError rides in `customError` and arrives intact.
 */
export function graphTokenFailure(error: AppError): GraphClientError {
  const carrier = new GraphClientError(error.message);
  carrier.customError = error;
  return carrier;
}

/** The AppError a token failure carried through the Graph SDK, if that is what `error` is. */
export function tokenFailureOf(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  if (error instanceof GraphClientError && isAppError(error.customError)) return error.customError;
  return undefined;
}

/** The reason of an UPSTREAM_UNAUTHORIZED AppError, if it carries one. */
export function entraReasonOf(error: unknown): EntraAuthReason | undefined {
  if (!isAppError(error)) return undefined;
  const reason = error.details?.['reason'];
  return typeof reason === 'string' && reason in EntraAuthReason
    ? (reason as EntraAuthReason)
    : undefined;
}
