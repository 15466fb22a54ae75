import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SecretBox } from '../crypto/secret-box.js';
import type { EndpointSecret } from '../db/models/webhook-endpoint.model.js';

/** Random bytes behind a secret (the spec asks for at least 24). */
const SECRET_BYTES = 32;

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64. Shown once. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** Bound to the endpoint as additional data: a sealed secret cannot move to another endpoint. */
export const endpointSecretPurpose = (endpointId: string): string =>
  `webhook-endpoint:${endpointId}:secret`;

/**
 * Signs with every secret still valid (the current one and, during a rotation's grace period,
 * the previous one): `webhook-signature` carries one `v1,...` per secret, space-delimited, and a
 * receiver that knows either verifies (Standard Webhooks, "Webhook headers"). Signing is the
 * `standardwebhooks` library's own; nothing here reimplements the scheme.
 */
export class EndpointSigner {
  private readonly signers: Webhook[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('an endpoint needs a signing secret');
    this.signers = secrets.map((secret) => new Webhook(secret));
  }

  sign(webhookId: string, at: Date, body: string): string {
    return this.signers.map((signer) => signer.sign(webhookId, at, body)).join(' ');
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
