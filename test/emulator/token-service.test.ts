import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { EmulatorClock } from '../../src/emulator/clock.js';
import { createSigningKeys } from '../../src/emulator/identity/signing-keys.js';
import { TokenService } from '../../src/emulator/identity/token.service.js';

/** The checks Graph applies to tokens that carry the emulator's own signature. */
describe('token validation (in-process)', () => {
  const tid = '6f1c1c1e-0000-4000-8000-000000000001';
  async function sign(
    claims: Record<string, unknown>,
    audience: string,
    issuer = `https://sts.windows.net/${tid}/`,
  ) {
    const keys = await createSigningKeys();
    const clock = new EmulatorClock();
    const token = await new SignJWT({ tid, appid: 'app', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.privateKey);
    return { service: new TokenService(keys, clock), token, clock };
  }

  it('accepts Graph audiences and reads roles', async () => {
    const { service, token } = await sign(
      { roles: ['User.Read.All'] },
      'https://graph.microsoft.com',
    );
    expect(await service.verify(token)).toMatchObject({
      ok: true,
      principal: { tenantId: tid, roles: ['User.Read.All'] },
    });
  });

  it('rejects another audience, a foreign issuer and an expired token', async () => {
    const other = await sign({}, 'api://something-else');
    expect(await other.service.verify(other.token)).toEqual({ ok: false, reason: 'audience' });
    const foreign = await sign(
      {},
      'https://graph.microsoft.com',
      'https://sts.windows.net/another-tenant/',
    );
    expect(await foreign.service.verify(foreign.token)).toEqual({ ok: false, reason: 'invalid' });
    const expiring = await sign({}, 'https://graph.microsoft.com');
    expiring.clock.advance(3600_000);
    expect(await expiring.service.verify(expiring.token)).toEqual({ ok: false, reason: 'expired' });
  });
});
