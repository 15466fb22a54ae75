import type { HubGraphqlClient } from './graphql-client.js';

/** The Relay connection every list of the hub's API returns (docs/api.md, "Lists"). */
export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export interface Paged<T> {
  rows: T[];
  /** Every row matching, on all pages (the server's totalCount). */
  totalCount: number;
}

/**
 * Reads a list page by page until the server says there is no next page, or `limit` rows are
 * in (null: no limit). The caller prints what was left out: a list never stops silently.
 */
export async function readPages<T>(
  api: HubGraphqlClient,
  query: string,
  variables: Record<string, unknown>,
  connectionOf: (data: Record<string, unknown>) => Connection<T>,
  options: { pageSize: number; limit: number | null },
): Promise<Paged<T>> {
  const rows: T[] = [];
  let after: string | null = null;
  let totalCount = 0;
  do {
    const first =
      options.limit === null
        ? options.pageSize
        : Math.min(options.pageSize, options.limit - rows.length);
    const page = connectionOf(await api.request(query, { ...variables, first, after }));
    rows.push(...page.nodes);
    totalCount = page.totalCount;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after && (options.limit === null || rows.length < options.limit));
  return { rows, totalCount };
}

/** "3 connector(s)", or "20 of 57 run(s) shown (--limit N, or --all)". */
export function shownLine(paged: Paged<unknown>, what: string): string {
  return paged.rows.length < paged.totalCount
    ? `${paged.rows.length} of ${paged.totalCount} ${what}(s) shown (--limit N, or --all)`
    : `${paged.rows.length} ${what}(s)`;
}
