import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque, tamper-evident continuation tokens ($skiptoken, $deltatoken): base64url JSON plus an
 * HMAC, so clients cannot (and should not) build or edit them, as with Graph's own tokens.
 * Only URL-safe characters, because the Graph SDK copies query values into URLs verbatim.
 */
export class OpaqueTokenCodec {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  encode(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload, or null when the token is malformed or was not issued by this emulator. */
  decode(token: string): unknown {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key)
      .update(body)
      .digest()
      .subarray(0, 12)
      .toString('base64url');
  }
}
