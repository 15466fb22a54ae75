import ipaddr from 'ipaddr.js';

/**
 * Where the hub may send webhooks. A receiver URL is chosen by a customer, so an unchecked one
 * makes the hub a request forger against its own network (cloud metadata at 169.254.169.254,
 * databases on 10/8, the hub itself on 127.0.0.1): Standard Webhooks, "Server side request
 * forgery" (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 * Every address a host resolves to is checked, at creation and again before every attempt.
 */
export enum TargetRule {
  /** Not an absolute http(s) URL, or longer than MAX_URL_LENGTH. */
  INVALID_URL = 'INVALID_URL',
  /** `http:` outside development and tests. */
  HTTPS_REQUIRED = 'HTTPS_REQUIRED',
  /** `user:password@` in the URL: secrets do not belong in URLs (they end up in logs). */
  CREDENTIALS_IN_URL = 'CREDENTIALS_IN_URL',
  /** Private, loopback, link-local, unique-local or shared (CGNAT) address. */
  PRIVATE_ADDRESS = 'PRIVATE_ADDRESS',
  /** Unspecified, multicast, broadcast, documentation, reserved or translation ranges. */
  RESERVED_ADDRESS = 'RESERVED_ADDRESS',
  /** The host name does not resolve. */
  UNRESOLVABLE = 'UNRESOLVABLE',
}

export interface TargetRules {
  allowHttp: boolean;
  allowPrivateTargets: boolean;
}

export type TargetVerdict = { ok: true } | { ok: false; rule: TargetRule; message: string };

export const MAX_URL_LENGTH = 2_048;

/** Ranges refused unless private targets are allowed (ipaddr.js range names). */
const PRIVATE_RANGES = new Set([
  'private',
  'loopback',
  'linkLocal',
  'uniqueLocal',
  'carrierGradeNat',
]);

/** The URL's own rules (scheme, credentials, length); addresses are checked apart. */
export function checkUrl(raw: string, rules: TargetRules): TargetVerdict & { url?: URL } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(TargetRule.INVALID_URL, 'must be an absolute http(s) URL');
  }
  if (raw.length > MAX_URL_LENGTH) {
    return refuse(TargetRule.INVALID_URL, `must be at most ${MAX_URL_LENGTH} characters`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return refuse(TargetRule.INVALID_URL, 'must be an absolute http(s) URL');
  }
  if (url.protocol === 'http:' && !rules.allowHttp) {
    return refuse(
      TargetRule.HTTPS_REQUIRED,
      'must use https (http is allowed in development only)',
    );
  }
  if (url.username || url.password) {
    return refuse(TargetRule.CREDENTIALS_IN_URL, 'must not contain a user name or password');
  }
  if (url.hash) return refuse(TargetRule.INVALID_URL, 'must not contain a fragment (#...)');
  return { ok: true, url };
}

/** One resolved (or literal) address: allowed, or the rule that refuses it. */
export function checkAddress(address: string, rules: TargetRules): TargetVerdict {
  if (!ipaddr.isValid(address)) {
    return refuse(TargetRule.UNRESOLVABLE, `resolves to an unusable address (${address})`);
  }
  // Unwraps IPv4-mapped IPv6 (::ffff:127.0.0.1 is 127.0.0.1).
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') return { ok: true };
  if (PRIVATE_RANGES.has(range)) {
    return rules.allowPrivateTargets
      ? { ok: true }
      : refuse(
          TargetRule.PRIVATE_ADDRESS,
          `resolves to a ${range} address (${parsed.toString()}), which is not allowed`,
        );
  }
  return refuse(
    TargetRule.RESERVED_ADDRESS,
    `resolves to a ${range} address (${parsed.toString()}), which is never allowed`,
  );
}

/** The host of a URL without IPv6 brackets: `[::1]` -> `::1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** `localhost` and `*.localhost` are loopback whatever a resolver says (RFC 6761). */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function refuse(
  rule: TargetRule,
  message: string,
): { ok: false; rule: TargetRule; message: string } {
  return { ok: false, rule, message };
}
