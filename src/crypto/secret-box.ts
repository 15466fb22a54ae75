import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../domain/errors.js';

/** An AES-256-GCM sealed value as stored in MongoDB; `kid` names the key that sealed it. */
export interface SealedSecret {
  kid: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface SecretBoxKey {
  id: string;
  key: Buffer;
}

const IV_BYTES = 12;
/**
 * GCM's tag is 16 bytes; without pinning it, Node accepts a shorter tag on decryption (down to 4
 * bytes), which makes forging a sealed value far cheaper (NIST SP 800-38D, appendix C).
 */
const AUTH_TAG_BYTES = 16;

/**
 * Seals secrets at rest. The first key encrypts; every configured key decrypts, so keys rotate
 * by prepending a new one and re-sealing at leisure (`needsReseal`). The purpose string is bound
 * as additional authenticated data so a sealed value cannot be moved to another field.
 */
export class SecretBox {
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(private readonly keys: readonly SecretBoxKey[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    for (const { key } of keys) {
      if (key.length !== 32) throw new Error('SecretBox keys must be 32 bytes');
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  seal(plaintext: string, purpose: string): SealedSecret {
    const active = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', active.key, iv, { authTagLength: AUTH_TAG_BYTES });
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      kid: active.id,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  open(sealed: SealedSecret, purpose: string): string {
    const key = this.byId.get(sealed.kid);
    if (!key) {
      // A key was removed from ENCRYPTION_KEYS while values sealed with it remain.
      throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'A stored secret cannot be decrypted', {
        details: { kid: sealed.kid },
      });
    }
    const tag = Buffer.from(sealed.tag, 'base64');
    if (tag.length !== AUTH_TAG_BYTES) {
      throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'A stored secret cannot be decrypted', {
        details: { kid: sealed.kid },
      });
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'), {
      authTagLength: AUTH_TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }

  /** The id of the key new values are sealed with. */
  get activeKeyId(): string {
    return this.keys[0]!.id;
  }

  /** True when the value was sealed with a key other than the active one. */
  needsReseal(sealed: SealedSecret): boolean {
    return sealed.kid !== this.keys[0]!.id;
  }
}
