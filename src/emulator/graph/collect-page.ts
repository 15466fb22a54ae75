/**
 * Takes up to `top` items from an ordered source and reports whether another one follows, so
 * the last page carries no nextLink (Graph never sends an empty trailing page for listings).
 */
export function collectPage<T>(
  source: Iterable<T>,
  top: number,
  keep: (item: T) => boolean,
): { items: T[]; hasMore: boolean } {
  const items: T[] = [];
  for (const item of source) {
    if (!keep(item)) continue;
    if (items.length === top) return { items, hasMore: true };
    items.push(item);
  }
  return { items, hasMore: false };
}

export function countMatching<T>(source: Iterable<T>, keep: (item: T) => boolean): number {
  let count = 0;
  for (const item of source) if (keep(item)) count++;
  return count;
}
