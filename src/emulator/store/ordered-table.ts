/**
 * Rows kept in creation order (`ord` ascending) with lookup by id, so listings and delta rounds
 * resume from a cursor (`ord` of the last row served) by binary search instead of by offset:
 * deleting rows never shifts a page boundary.
 */
export class OrderedTable<T extends { id: string; ord: number }> {
  private readonly byId = new Map<string, T>();
  private rows: T[] = [];
  private removed = 0;

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

  remove(id: string): void {
    if (!this.byId.delete(id)) return;
    this.removed++;
    if (this.removed > 1024 && this.removed * 4 > this.rows.length) {
      this.rows = this.rows.filter((row) => this.byId.get(row.id) === row);
      this.removed = 0;
    }
  }

  /** Rows with `ord` greater than `afterOrd`, in order. */
  *after(afterOrd = 0): Generator<T> {
    // A compaction during iteration replaces `this.rows`; keep walking the array we started on.
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.ord <= afterOrd) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < rows.length; i++) {
      const row = rows[i]!;
      if (this.byId.get(row.id) === row) yield row;
    }
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  clear(): void {
    this.byId.clear();
    this.rows = [];
    this.removed = 0;
  }
}
