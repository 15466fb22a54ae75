import type { EmuResponse } from './types.js';

export function json(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: { kind: 'json', value },
  };
}

export function text(
  status: number,
  value: string,
  headers: Record<string, string> = {},
): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: { kind: 'text', value },
  };
}

export function empty(status: number, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers };
}

export function redirect(location: string): EmuResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store, no-cache' } };
}

export function serializeBody(response: EmuResponse): string | undefined {
  const body = response.body;
  if (!body) return undefined;
  return body.kind === 'json' ? JSON.stringify(body.value) : body.value;
}
