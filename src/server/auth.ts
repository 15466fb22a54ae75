import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { CallerRole, type Caller } from '../domain/caller.js';
import { AppError, ErrorCode } from '../domain/errors.js';

export interface AuthSettings {
  issuer: string;
  audience: string;
  /** HS256 shared secret (the portal signs with it) ... */
  hs256Secret?: string;
  /**
   * ... and the one before it, during a rotation: tokens signed with it stay valid until they
   * expire, so rotating does not sign everyone out. Never used to sign.
   */
  hs256PreviousSecret?: string;
  /** ... or the portal's JWKS (RS256/ES256 and friends). */
  jwksUrl?: string;
  /** Longest accepted `exp - iat` in seconds: a token minted for a century is refused. */
  maxLifetimeSeconds: number;
}

/** Resolves a connector's own authentication token to its principal; null when unknown. */
export interface ConnectorTokenVerifier {
  authenticateConnectorToken(token: string): Promise<Caller | null>;
}

export interface Authentication {
  caller: Caller;
  /** When the credential stops being valid (JWT `exp`); null for connector tokens. */
  expiresAt: Date | null;
}

const MAX_HEADER_LENGTH = 8_192;

/**
 * Turns an `Authorization` header into a Caller:
 * - `Bearer <JWT>` from the portal: `role` PARTNER_ADMIN with `partnerId`, or COMPANY_ADMIN with
 *   `companyId`; issuer, audience, signature and expiry are checked.
 * - `Connector <token>`: the connector's own authentication token.
 * No header: null (the operation decides). Anything invalid: UNAUTHENTICATED, with a message
 * that never says which check failed beyond "expired" (no oracle for forged tokens).
 */
export class Authenticator {
  private readonly key: Parameters<typeof jwtVerify>[1];
  private readonly previousKey: Uint8Array | null;

  constructor(
    private readonly settings: AuthSettings,
    private readonly connectors: ConnectorTokenVerifier,
  ) {
    // Config refuses both at once; never let one silently win here either.
    if (settings.hs256Secret && settings.jwksUrl) {
      throw new Error('Authenticator takes an HS256 secret or a JWKS URL, not both');
    }
    if (settings.hs256PreviousSecret && !settings.hs256Secret) {
      throw new Error('Authenticator takes a previous HS256 secret only beside the current one');
    }
    this.previousKey = settings.hs256PreviousSecret
      ? new TextEncoder().encode(settings.hs256PreviousSecret)
      : null;
    if (settings.hs256Secret) {
      this.key = new TextEncoder().encode(settings.hs256Secret);
    } else if (settings.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
    } else {
      throw new Error('Authenticator needs an HS256 secret or a JWKS URL');
    }
  }

  async authenticate(header: string | undefined | null): Promise<Authentication | null> {
    if (header === undefined || header === null || header === '') return null;
    if (header.length > MAX_HEADER_LENGTH) throw unauthenticated();
    const [scheme, credential, ...rest] = header.trim().split(/\s+/);
    if (!scheme || !credential || rest.length > 0) throw unauthenticated();
    switch (scheme.toLowerCase()) {
      case 'bearer':
        return this.fromJwt(credential);
      case 'connector': {
        const caller = await this.connectors.authenticateConnectorToken(credential);
        if (!caller) throw unauthenticated();
        return { caller, expiresAt: null };
      }
      default:
        throw unauthenticated();
    }
  }

  private async fromJwt(token: string): Promise<Authentication> {
    let payload: JWTPayload;
    try {
      payload = await this.verify(token);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The session has expired');
      throw unauthenticated();
    }
    // `exp` and `iat` are required claims, checked as numbers by jose.
    if (payload.exp! - payload.iat! > this.settings.maxLifetimeSeconds) {
      throw unauthenticated('The token is valid for longer than this hub accepts');
    }
    const caller = callerFromClaims(payload);
    if (!caller) throw unauthenticated();
    return { caller, expiresAt: payload.exp ? new Date(payload.exp * 1000) : null };
  }

  private async verify(token: string): Promise<JWTPayload> {
    if (typeof this.key === 'function') {
      return (await jwtVerify(token, this.key, this.verifyOptions())).payload;
    }
    const options = { ...this.verifyOptions(), algorithms: ['HS256'] };
    try {
      return (await jwtVerify(token, this.key, options)).payload;
    } catch (error) {
      // Only a signature made with another key may be the previous secret's: an expired or
      // malformed token signed with the current one is refused as it is.
      if (!this.previousKey || !(error instanceof joseErrors.JWSSignatureVerificationFailed)) {
        throw error;
      }
      return (await jwtVerify(token, this.previousKey, options)).payload;
    }
  }

  private verifyOptions() {
    return {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: 5,
    };
  }
}

function callerFromClaims(payload: JWTPayload): Caller | null {
  const subject = payload.sub;
  if (!subject) return null;
  const text = (name: string) => {
    const value = payload[name];
    return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : null;
  };
  switch (payload['role']) {
    case CallerRole.PARTNER_ADMIN: {
      const partnerId = text('partnerId');
      return partnerId ? { role: CallerRole.PARTNER_ADMIN, subject, partnerId } : null;
    }
    case CallerRole.COMPANY_ADMIN: {
      const companyId = text('companyId');
      return companyId ? { role: CallerRole.COMPANY_ADMIN, subject, companyId } : null;
    }
    default:
      // CONNECTOR is never accepted from a JWT: connectors use their own token.
      return null;
  }
}

export function unauthenticated(message = 'Authentication required'): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, message);
}
