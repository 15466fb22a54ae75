/** How many of `items`, sorted by `key` ascending, have a key of at most `bound` (binary search). */
export function countAtMost<T>(items: readonly T[], bound: number, key: (item: T) => number) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
