import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { fetch, type Dispatcher } from 'undici';

/** MSAL waits this long for the token endpoint before giving up (its own default is none). */
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * MSAL's HTTP client over undici. Since MSAL node v5 a custom `networkClient` is the only way to
 * trust an extra CA besides NODE_EXTRA_CA_CERTS. It resolves `{headers, body, status}` for every
 * status: MSAL turns 4xx/5xx bodies into ServerError (with the AADSTS code) itself, and would lose
 * that detail if we threw here.
 */
export function createMsalNetworkClient(
  dispatcher: Dispatcher,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): INetworkModule {
  const send = async <T>(
    url: string,
    method: 'GET' | 'POST',
    options: NetworkRequestOptions | undefined,
    timeout: number | undefined,
  ): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      dispatcher,
      signal: AbortSignal.timeout(timeout ?? timeoutMs),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    const text = await response.text();
    return { headers, body: parseBody<T>(text), status: response.status };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      send<T>(url, 'GET', options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, 'POST', options, undefined),
  };
}

/** A proxy's HTML error page must not crash MSAL's JSON handling: hand it an empty object. */
function parseBody<T>(text: string): T {
  if (!text) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return {} as T;
  }
}
