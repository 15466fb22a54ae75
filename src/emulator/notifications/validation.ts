import { fetch, type Dispatcher } from 'undici';
import { newGuid } from '../util/guid.js';

export type ValidationResult = { ok: true } | { ok: false; reason: string };

/**
 * The notificationUrl handshake: POST `{url}?validationToken=<url-encoded token>` with
 * `Content-Type: text/plain; charset=utf-8`; the receiver must answer within the timeout with
 * 200, `Content-Type: text/plain`, and the decoded token as the body. Tokens contain spaces and
 * colons, like Graph's, so a receiver that forgets to decode fails here as it would there.
 */
export async function validateEndpoint(
  url: string,
  timeoutMs: number,
  dispatcher: Dispatcher,
): Promise<ValidationResult> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${newGuid()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '',
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    if (response.status !== 200) return { ok: false, reason: `answered ${response.status}` };
    const type = response.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/plain')) {
      return { ok: false, reason: `answered with Content-Type '${type}' instead of text/plain` };
    }
    if (body !== token)
      return { ok: false, reason: 'answered with a body that is not the validation token' };
    return { ok: true };
  } catch (error) {
    const timedOut =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return {
      ok: false,
      reason: timedOut ? `did not answer within ${timeoutMs} ms` : 'could not be reached',
    };
  }
}
