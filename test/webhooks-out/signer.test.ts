import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EndpointSigner, newEndpointSecret } from '../../src/outbound/webhook-signer.js';

/**
 * The hub computes Standard Webhooks signatures with Node's HMAC; the `standardwebhooks` library
 * is the reference: every header must be exactly what its `sign` gives, and pass its `verify`.
 */
describe('EndpointSigner', () => {
  const bodies = [
    '',
    '{"type":"webhook.test"}',
    JSON.stringify({ type: 'directory.user.updated', data: { label: 'Zoë Æther 日本 😀 "q" \\' } }),
    JSON.stringify({ blob: randomBytes(3_000).toString('base64') }),
  ];

  it('signs exactly as the library does, for one secret and for a rotation’s two', () => {
    const current = newEndpointSecret();
    const previous = newEndpointSecret();
    for (const secrets of [[current], [current, previous]]) {
      const signer = new EndpointSigner(secrets);
      const libraries = secrets.map((secret) => new Webhook(secret));
      for (const [i, body] of bodies.entries()) {
        const id = `msg_${i}_${randomBytes(6).toString('hex')}`;
        const at = new Date(Date.now() - i * 1_001);
        const header = signer.sign(id, at, body);
        expect(header).toBe(libraries.map((lib) => lib.sign(id, at, body)).join(' '));
        for (const lib of libraries) {
          const headers = {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': header,
          };
          expect(() => lib.verify(body, headers)).not.toThrow();
        }
      }
    }
  });

  it('refuses a secret that is not whsec_ and base64, as the library would not read it', () => {
    expect(() => new EndpointSigner(['whsec_'])).toThrow(/base64/);
    expect(() => new EndpointSigner(['whsec_not base64!'])).toThrow(/base64/);
    expect(() => new EndpointSigner([])).toThrow(/secret/);
  });
});
