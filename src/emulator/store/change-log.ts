import { countAtMost } from './sorted.js';

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
    return new Set(this.ids.slice(countAtMost(this.seqs, since, (seq) => seq)));
  }
}
