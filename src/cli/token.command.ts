import type { Output } from './output.js';
import { mintPortalJwt } from './portal-jwt.js';

/** `token`: mints a portal JWT with the hub's HS256 secret, for local use. */
export async function tokenCommand(
  out: Output,
  options: {
    secret: string | null;
    issuer: string;
    audience: string;
    role: string;
    scopeId: string | undefined;
    subject: string | undefined;
    expiresInSeconds: number;
  },
): Promise<number> {
  if (!options.secret) {
    throw new Error('set AUTH_JWT_SECRET (the hub HS256 secret) or run next to a dev stack');
  }
  const role = options.role.toUpperCase();
  if (role !== 'PARTNER_ADMIN' && role !== 'COMPANY_ADMIN') {
    throw new Error('--role must be PARTNER_ADMIN or COMPANY_ADMIN');
  }
  if (!options.scopeId) {
    throw new Error(
      role === 'PARTNER_ADMIN' ? '--partner <id> is required' : '--company <id> is required',
    );
  }
  out.line(
    await mintPortalJwt({
      secret: options.secret,
      issuer: options.issuer,
      audience: options.audience,
      role: role,
      scopeId: options.scopeId,
      ...(options.subject ? { subject: options.subject } : {}),
      expiresInSeconds: options.expiresInSeconds,
    }),
  );
  return 0;
}
