/**
 * Objects' changes in sequence order (the sequence number and the object's id), so an
 * incremental delta round reads the objects changed after it started instead of every object.
 */
export class ChangeLog {
  private readonly seqs: number[] = [];
  private readonly ids: string[] = [];

  /** Sequence numbers only grow: each change is appended. */
  record(seq: number, id: string): void {
    this.seqs.push(seq);
    this.ids.push(id);
  }

  /** The ids of the objects changed after sequence `since`, each once. */
  idsSince(since: number): Set<string> {
    const seqs = this.seqs;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= since) lo = mid + 1;
      else hi = mid;
    }
    return new Set(this.ids.slice(lo));
  }
}
