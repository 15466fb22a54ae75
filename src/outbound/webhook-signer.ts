import { createHmac, randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { EndpointSecret } from '../db/models/webhook-endpoint.model.js';

/** Random bytes behind a secret (the spec asks for at least 24). */
const SECRET_BYTES = 32;

/** The Standard Webhooks secret prefix; the rest is the key, base64. */
const SECRET_PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64. Shown once. */
export function newEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** Bound to the endpoint as additional data: a sealed secret cannot move to another endpoint. */
export const endpointSecretPurpose = (endpointId: string): string =>
  `webhook-endpoint:${endpointId}:secret`;

/**
 * Signs with every secret still valid (the current one and, during a rotation's grace period,
 * the previous one): `webhook-signature` carries one `v1,...` per secret, space-delimited, and a
 * receiver that knows either verifies (Standard Webhooks, "Webhook headers"). The scheme is the
 * `standardwebhooks` library's `sign` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with
 * the secret's key), computed with Node's native HMAC: the library's is JavaScript, and at
 * thousands of deliveries a second it was a sixth of the hub's CPU. A test holds every header
 * equal to the library's own and verified by its `verify`.
 */
export class EndpointSigner {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('an endpoint needs a signing secret');
    this.keys = secrets.map(keyOf);
  }

  sign(webhookId: string, at: Date, body: string): string {
    const signed = `${webhookId}.${Math.floor(at.getTime() / 1000)}.`;
    return this.keys
      .map((key) => `v1,${createHmac('sha256', key).update(signed).update(body).digest('base64')}`)
      .join(' ');
  }

  static open(
    box: SecretBox,
    endpointId: string,
    secrets: readonly EndpointSecret[],
    now: number,
  ): EndpointSigner {
    const valid = secrets.filter((s) => !s.expiresAt || new Date(s.expiresAt).getTime() > now);
    return new EndpointSigner(
      valid.map((s) => box.open(s.sealed, endpointSecretPurpose(endpointId))),
    );
  }
}

/** A secret's key, as the library reads it: the base64 after the `whsec_` prefix. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0 || key.toString('base64') !== encoded) {
    throw new Error('a signing secret is whsec_ followed by base64');
  }
  return key;
}
