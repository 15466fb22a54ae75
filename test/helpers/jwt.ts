/** The portal's credentials in tests: HS256 JWTs signed with the test hubs' secret. */
import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
/** The issuer and audience a hub expects unless its configuration says otherwise. */
export const HUB_JWT_AUDIENCE = 'entra-connector-hub';

export interface TestJwtOptions {
  subject?: string;
  /** A duration ('10m') or an absolute time in seconds since the epoch. Default 30 minutes. */
  expiresIn?: string | number;
  secret?: string;
  issuer?: string;
  audience?: string;
}

/** A session JWT with these claims, as the portal's identity provider would sign it. */
export function testJwt(
  claims: Record<string, unknown>,
  options: TestJwtOptions = {},
): Promise<string> {
  const subject = options.subject ?? (typeof claims['sub'] === 'string' ? claims['sub'] : 'user-1');
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(options.issuer ?? HUB_JWT_AUDIENCE)
    .setAudience(options.audience ?? HUB_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '30m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** A partner admin's session (each partner its own subject, so per-caller budgets stay apart). */
export function partnerJwt(partnerId = 'partner-rt'): Promise<string> {
  return testJwt({ role: 'PARTNER_ADMIN', partnerId }, { subject: `admin-${partnerId}` });
}

export function companyAdminJwt(companyId: string): Promise<string> {
  return testJwt({ role: 'COMPANY_ADMIN', companyId }, { subject: `company-${companyId}` });
}
