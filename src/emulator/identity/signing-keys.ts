import { exportJWK, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import { randomBytes } from 'node:crypto';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as served by the `jwks_uri` of the openid-configuration. */
  jwks: { keys: JWK[] };
}

/** One RS256 key per emulator process, published as a JWKS like Entra's `discovery/v2.0/keys`. */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(20).toString('base64url');
  const jwk = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    publicKey,
    jwks: { keys: [{ kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, alg: 'RS256' }] },
  };
}
