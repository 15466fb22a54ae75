import { SignJWT } from 'jose';

export type PortalRole = 'PARTNER_ADMIN' | 'COMPANY_ADMIN';

export interface MintOptions {
  /** The HS256 secret the hub verifies with (AUTH_JWT_SECRET). */
  secret: string;
  issuer: string;
  audience: string;
  role: PortalRole;
  /** partnerId for PARTNER_ADMIN, companyId for COMPANY_ADMIN. */
  scopeId: string;
  subject?: string;
  /** Seconds; default 12 hours. */
  expiresInSeconds?: number;
}

/**
 * A portal JWT for local use (the dev stack, an operator's console). In production the portal
 * signs these; the hub only verifies them.
 */
export async function mintPortalJwt(options: MintOptions): Promise<string> {
  const claims =
    options.role === 'PARTNER_ADMIN'
      ? { role: options.role, partnerId: options.scopeId }
      : { role: options.role, companyId: options.scopeId };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject ?? `local-${options.role.toLowerCase()}`)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 12 * 3600))
    .sign(new TextEncoder().encode(options.secret));
}
