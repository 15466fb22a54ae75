import type { EmuRequest, EmuResponse, RouteParams } from './types.js';

export type RouteHandler<C> = (
  request: EmuRequest,
  params: RouteParams,
  context: C,
) => Promise<EmuResponse> | EmuResponse;

export interface Route<C, M> {
  method: string;
  pattern: string;
  segments: string[];
  handler: RouteHandler<C>;
  meta: M;
}

export type RouteMatch<C, M> =
  | { kind: 'found'; route: Route<C, M>; params: RouteParams }
  | { kind: 'method-not-allowed'; pattern: string }
  | { kind: 'not-found' };

/**
 * A small path router: `/v1.0/groups/:id/members`. Literal segments match case-insensitively
 * (Graph paths are case-insensitive); routes are tried in the order added, so register literal
 * routes such as `/users/delta` before `/users/:id`. `M` is per-route metadata (Graph routes
 * declare the permission they need and their resource-unit cost).
 */
export class Router<C, M = undefined> {
  private readonly routes: Route<C, M>[] = [];

  add(
    method: string,
    pattern: string,
    handler: RouteHandler<C>,
    ...meta: M extends undefined ? [] : [M]
  ): this {
    this.routes.push({
      method,
      pattern,
      segments: splitPath(pattern),
      handler,
      meta: meta[0] as M,
    });
    return this;
  }

  match(method: string, path: string): RouteMatch<C, M> {
    const parts = splitPath(path);
    let wrongMethod: string | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', route, params };
      wrongMethod ??= route.pattern;
    }
    return wrongMethod
      ? { kind: 'method-not-allowed', pattern: wrongMethod }
      : { kind: 'not-found' };
  }

  /**
   * How many leading segments of `path` some route matches: the next one is where Graph says
   * "Resource not found for the segment '...'".
   */
  matchedPrefixLength(path: string): number {
    const parts = splitPath(path);
    let best = 0;
    for (const route of this.routes) {
      let i = 0;
      while (
        i < parts.length &&
        i < route.segments.length &&
        matchSegments([route.segments[i]!], [parts[i]!]) !== null
      ) {
        i++;
      }
      best = Math.max(best, i);
    }
    return best;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(actual);
      } catch {
        return null;
      }
      params[expected.slice(1)] = value;
    } else if (expected.toLowerCase() !== actual.toLowerCase()) {
      return null;
    }
  }
  return params;
}
