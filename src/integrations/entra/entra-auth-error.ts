import { AppError, ErrorCode, isAppError } from '../../domain/errors.js';

/**
 * Why Entra refused a token, in the terms an admin acts on. The AADSTS numbers are documented in
 * entra-docs reference-error-codes.md; everything else is UNKNOWN with Entra's own code attached.
 */
export enum EntraAuthReason {
  INVALID_SECRET = 'INVALID_SECRET',
  EXPIRED_SECRET = 'EXPIRED_SECRET',
  MISSING_SECRET = 'MISSING_SECRET',
  UNKNOWN_TENANT = 'UNKNOWN_TENANT',
  /** The app is not registered in, or was never consented in, the tenant. */
  APP_NOT_CONSENTED = 'APP_NOT_CONSENTED',
  /** Consent exists but the token carries no application permissions (or a probe got 403). */
  MISSING_PERMISSIONS = 'MISSING_PERMISSIONS',
  /** Graph refused a token Entra issued (consent revoked, app removed since the token was issued). */
  TOKEN_REJECTED = 'TOKEN_REJECTED',
  UNKNOWN = 'UNKNOWN',
}

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
      'The application is not registered or has not been consented in this tenant (AADSTS700016). Check the Application (client) ID, then grant admin consent.',
  },
};

/** The client-safe details attached to an UPSTREAM_UNAUTHORIZED error from Entra. */
export interface EntraAuthDetails extends Record<string, unknown> {
  reason: EntraAuthReason;
  entraCode?: string;
}

/** Reads the AADSTS number from an MSAL error (`errorNo`, or the `AADSTSnnn:` message prefix). */
export function aadstsCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const record = error as { errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  if (typeof record.errorNo === 'number' || typeof record.errorNo === 'string') {
    const value = String(record.errorNo);
    if (/^\d+$/.test(value)) return value;
  }
  for (const text of [record.errorMessage, record.message]) {
    const match = typeof text === 'string' ? /AADSTS(\d+)/.exec(text) : null;
    if (match) return match[1];
  }
  return undefined;
}

export function entraAuthError(reason: EntraAuthReason, message: string, entraCode?: string) {
  const details: EntraAuthDetails = { reason, ...(entraCode ? { entraCode } : {}) };
  return new AppError(ErrorCode.UPSTREAM_UNAUTHORIZED, message, { details });
}

/**
 * Maps what MSAL threw to an AppError. Entra's own error text is not passed through: it can echo
 * request values, and our messages say what to do instead.
 */
export function toEntraAuthError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const code = aadstsCode(error);
  const known = code ? BY_AADSTS[code] : undefined;
  if (known) return entraAuthError(known.reason, known.message, `AADSTS${code}`);
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

/** The reason of an UPSTREAM_UNAUTHORIZED AppError, if it carries one. */
export function entraReasonOf(error: unknown): EntraAuthReason | undefined {
  if (!isAppError(error)) return undefined;
  const reason = error.details?.['reason'];
  return typeof reason === 'string' && reason in EntraAuthReason
    ? (reason as EntraAuthReason)
    : undefined;
}
