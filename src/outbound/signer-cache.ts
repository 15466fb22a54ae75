import type { SecretBox } from '../crypto/secret-box.js';
import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import { EndpointSigner } from './webhook-signer.js';

/**
 * The signers of the endpoints this instance delivers to, opened once per set of secrets (a
 * rotation, or a grace period running out, makes a new set). Plaintext secrets live only here,
 * in memory, never in a log or an answer.
 */
export class SignerCache {
  private readonly signers = new Map<string, { key: string; signer: EndpointSigner }>();

  constructor(private readonly box: SecretBox) {}

  for(ep: Pick<WebhookEndpointDoc, '_id' | 'secrets'>, now: number): EndpointSigner {
    const id = ep._id.toHexString();
    const key = ep.secrets
      .filter((s) => !s.expiresAt || new Date(s.expiresAt).getTime() > now)
      .map((s) => s.sealed.ciphertext)
      .join('|');
    const cached = this.signers.get(id);
    if (cached?.key === key) return cached.signer;
    const signer = EndpointSigner.open(this.box, id, ep.secrets, now);
    this.signers.set(id, { key, signer });
    return signer;
  }
}
