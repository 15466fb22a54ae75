import { CHANGE_CHUNK_SIZE, type SyncChangeChunkModel } from '../../db/models/sync-change.model.js';
import { pack } from '../../db/models/packed.js';
import type { PlannedChange } from '../plan/plan.types.js';
import { ChangeState, type ChangeEntry } from '../../domain/change.js';

/** Full chunks held back for one insert: an initial sync's ten thousand entries in ten writes. */
const CHUNKS_PER_WRITE = 10;

/**
 * Appends a run's change log in chunks (one document per CHANGE_CHUNK_SIZE entries). A write runs
 * while the run plans and applies its next batch: the next write, and `flush`, wait for it and
 * throw its error.
 */
export class ChangeLogWriter {
  private buffer: ChangeEntry[] = [];
  private full: Record<string, unknown>[] = [];
  private chunk = 0;
  private seq = 0;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: SyncChangeChunkModel,
    private readonly runId: string,
  ) {}

  get count(): number {
    return this.seq;
  }

  async add(change: PlannedChange, state: ChangeState, message: string | null): Promise<void> {
    this.buffer.push(toEntry(change, this.seq, state, message));
    this.seq += 1;
    if (this.buffer.length >= CHANGE_CHUNK_SIZE) {
      this.close();
      if (this.full.length >= CHUNKS_PER_WRITE) await this.write();
    }
  }

  /** Writes every entry added so far. */
  async flush(): Promise<void> {
    this.close();
    await this.write();
    await this.writing;
  }

  private close(): void {
    if (this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    this.full.push({
      runId: this.runId,
      chunk: this.chunk,
      entries: pack(entries),
      staged: entries.filter((e) => e.state === ChangeState.STAGED).length,
      createdAt: new Date(),
    });
    this.chunk += 1;
  }

  /** Starts writing the closed chunks once the previous write is done (one at a time, in order). */
  private async write(): Promise<void> {
    await this.writing;
    if (this.full.length === 0) return;
    const docs = this.full;
    this.full = [];
    this.writing = this.model.collection.insertMany(docs, { ordered: true });
    // Awaited by the next write or the flush; until then a failure must not count as unhandled.
    this.writing.catch(() => undefined);
  }
}

export function toEntry(
  change: PlannedChange,
  seq: number,
  state: ChangeState,
  message?: string | null,
): ChangeEntry {
  return {
    seq,
    objectType: change.objectType,
    objectId: change.objectId,
    label: change.label,
    action: change.action,
    rule: change.rule,
    state,
    before: change.before,
    after: change.after,
    message: message ?? change.message,
    ...(state === ChangeState.STAGED && change.write?.kind === 'updateUser'
      ? {
          pending: {
            userId: change.write.id,
            set: change.write.set,
            expectStatus: change.write.expectStatus,
          },
        }
      : {}),
  };
}
