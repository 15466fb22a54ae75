import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { EmulatorClock } from '../clock.js';
import type {
  AppRecord,
  ServicePrincipalRecord,
  TenantRecord,
} from '../store/identity-registry.js';
import { newGuid } from '../util/guid.js';
import type { SigningKeys } from './signing-keys.js';

/** Graph's resource identifiers: tokens for Graph carry one of these as `aud`. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Entra's app-only tokens for Graph live 60 to 90 minutes; the emulator's default is an hour. */
export const TOKEN_LIFETIME_SECONDS = 3599;

export interface GraphPrincipal {
  tenantId: string;
  appId: string;
  servicePrincipalId: string;
  roles: string[];
  expiresAt: number;
}

export type VerifyResult =
  | { ok: true; principal: GraphPrincipal }
  | { ok: false; reason: 'expired' | 'invalid' | 'audience' };

/**
 * Issues and checks app-only access tokens shaped like Entra's v1.0 tokens for Graph: RS256,
 * `aud` = Graph, `iss` = sts.windows.net/{tid}/, `tid`, `appid`, `oid`/`sub` = the service
 * principal, `idtyp: app`, and `roles` only when application permissions were granted.
 */
export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clock: EmulatorClock,
    private readonly lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
  ) {}

  async issue(
    tenant: TenantRecord,
    app: AppRecord,
    grant: ServicePrincipalRecord,
    audience: typeof GRAPH_RESOURCE | typeof GRAPH_APP_ID = GRAPH_RESOURCE,
  ) {
    const now = Math.floor(this.clock.now() / 1000);
    const claims: Record<string, unknown> = {
      aio: newGuid(),
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${tenant.id}/`,
      idtyp: 'app',
      oid: grant.servicePrincipalId,
      tid: tenant.id,
      uti: newGuid().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
    };
    if (grant.roles.size > 0) claims['roles'] = [...grant.roles].sort();
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keys.kid, x5t: this.keys.kid })
      .setAudience(audience)
      .setIssuer(`https://sts.windows.net/${tenant.id}/`)
      .setSubject(grant.servicePrincipalId)
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(this.keys.privateKey);
    return { accessToken, expiresIn: this.lifetimeSeconds };
  }

  /**
   * No clock-skew allowance (Graph allows about five minutes): a test that moves the emulator
   * clock past `exp` sees the token rejected at once.
   */
  async verify(token: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.keys.publicKey, {
        algorithms: ['RS256'],
        currentDate: this.clock.nowDate(),
      });
      const aud = payload.aud;
      if (aud !== GRAPH_RESOURCE && aud !== GRAPH_APP_ID && aud !== `${GRAPH_RESOURCE}/`) {
        return { ok: false, reason: 'audience' };
      }
      const tid = payload['tid'];
      const appid = payload['appid'];
      if (typeof tid !== 'string' || typeof appid !== 'string')
        return { ok: false, reason: 'invalid' };
      if (payload.iss !== `https://sts.windows.net/${tid}/`)
        return { ok: false, reason: 'invalid' };
      const roles = Array.isArray(payload['roles']) ? payload['roles'].map(String) : [];
      return {
        ok: true,
        principal: {
          tenantId: tid,
          appId: appid,
          servicePrincipalId: String(payload.sub),
          roles,
          expiresAt: (payload.exp ?? 0) * 1000,
        },
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }
}
