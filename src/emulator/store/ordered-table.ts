import { countAtMost } from './sorted.js';

/**
 * Rows kept in creation order (`ord` ascending) with lookup by id, so listings and delta rounds
 * resume from a cursor (`ord` of the last row served) by binary search instead of by offset.
 * Rows are never removed: deleted directory objects stay as tombstones (their `state` says so),
 * so a page boundary never shifts and delta can still report them.
 */
export class OrderedTable<T extends { id: string; ord: number }> {
  private readonly byId = new Map<string, T>();
  private readonly rows: T[] = [];

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  insert(row: T): void {
    const last = this.rows[this.rows.length - 1];
    if (last && last.ord >= row.ord) throw new Error('rows must be inserted in ord order');
    this.byId.set(row.id, row);
    this.rows.push(row);
  }

  /** Rows with `ord` greater than `afterOrd`, in order. */
  *after(afterOrd = 0): Generator<T> {
    const rows = this.rows;
    for (let i = countAtMost(rows, afterOrd, (row) => row.ord); i < rows.length; i++) {
      yield rows[i]!;
    }
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  clear(): void {
    this.byId.clear();
    this.rows.length = 0;
  }
}
