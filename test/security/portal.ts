/** The portal's credentials for tests that drive a hub process: HS256 JWTs with the test secret. */
import { SignJWT } from 'jose';
import { TEST_JWT_SECRET } from '../helpers/hub.js';

export async function partnerJwt(partnerId: string): Promise<string> {
  return new SignJWT({ role: 'PARTNER_ADMIN', partnerId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`admin-${partnerId}`)
    .setIssuer('entra-connector-hub')
    .setAudience('entra-connector-hub')
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}
