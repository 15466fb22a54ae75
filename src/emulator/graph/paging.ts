import type { EmulatorContext } from '../emulator-context.js';
import type { EmuRequest } from '../http/types.js';
import { badRequest } from './graph-error.js';

/** A listing continuation: resume after `c` (an ordinal or an offset); `p` numbers the page. */
export interface ListCursor {
  c: number;
  p: number;
}

export function readListCursor(ctx: EmulatorContext, skiptoken: string | null): ListCursor {
  if (skiptoken === null) return { c: 0, p: 1 };
  const payload = ctx.codec.decode(skiptoken) as Partial<ListCursor> | null;
  if (typeof payload?.c !== 'number' || typeof payload.p !== 'number') {
    throw badRequest(
      'Invalid $skiptoken: the token is malformed or was not issued for this request.',
    );
  }
  return { c: payload.c, p: payload.p };
}

/**
 * Graph's nextLink: absolute, on the service's own host, with the original query options and a
 * `$skiptoken`. It must be absolute https on the emulator's host, or the Graph SDK would not
 * attach the bearer token when following it (customHosts).
 */
export function nextLinkFor(ctx: EmulatorContext, request: EmuRequest, cursor: ListCursor): string {
  const parts: string[] = [];
  for (const [key, value] of request.url.searchParams) {
    if (key.toLowerCase() === '$skiptoken') continue;
    parts.push(`${key}=${encodeQueryValue(value)}`);
  }
  parts.push(`$skiptoken=${ctx.codec.encode(cursor)}`);
  return `${ctx.baseUrl}${request.url.pathname}?${parts.join('&')}`;
}

export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%24/g, '$');
}

export function contextUrl(
  ctx: EmulatorContext,
  entitySet: string,
  select: readonly string[] | null,
) {
  const suffix = select ? `(${select.join(',')})` : '';
  return `${ctx.baseUrl}/v1.0/$metadata#${entitySet}${suffix}`;
}
