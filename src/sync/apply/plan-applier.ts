import type { AnyBulkWriteOperation, Collection, Document, Filter, UpdateFilter } from 'mongodb';
import { Types } from 'mongoose';
import { type DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import type { DirectoryGroupDoc } from '../../db/models/directory-group.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import type { FactsWrite, PlannedChange } from '../plan/plan.types.js';
import { ManagedBy, entraKeyOf } from '../../domain/directory.js';

/** Documents per bulkWrite call: FerretDB pays per document, the round trip per call. */
const BATCH = 1_000;
const UPDATE_CONCURRENCY = 4;

export interface ApplyResult {
  /** Changes whose write failed, with the reason (e.g. a duplicate email lost a race). */
  failed: Map<PlannedChange, string>;
  usersMs: number;
  groupsMs: number;
}

/**
 * Writes planned changes in bulkWrite batches; one bad record never stops the rest.
 * Status changes carry the status they were planned from, so a stale change (approval long after
 * planning) matches nothing and is reported instead of overwriting a newer state.
 */
export class PlanApplier {
  constructor(
    private readonly models: SyncModels,
    private readonly companyId: string,
    private readonly connectorId: string,
    /** A run taken over by another instance stops between writes (see RunRequest.signal). */
    private readonly signal?: AbortSignal,
  ) {}

  async apply(
    changes: readonly PlannedChange[],
    facts: readonly FactsWrite[] = [],
  ): Promise<ApplyResult> {
    const failed = new Map<PlannedChange, string>();
    const now = new Date();
    const userOps: { change: PlannedChange | null; op: AnyBulkWriteOperation<DirectoryUserDoc> }[] =
      [];
    const groupOps: { change: PlannedChange; op: AnyBulkWriteOperation<DirectoryGroupDoc> }[] = [];
    for (const change of changes) {
      const write = change.write;
      if (!write) continue;
      switch (write.kind) {
        case 'insertUser':
          userOps.push({
            change,
            op: { insertOne: { document: { ...write.doc, createdAt: now, updatedAt: now } } },
          });
          break;
        case 'updateUser':
          userOps.push({
            change,
            op: {
              updateOne: {
                // By _id alone: FerretDB v1 stalls on ordered batches with any other filter
                // (100 updates by {_id, status}: minutes). The run holds the connector lock and
                // read the status moments ago; approvals re-check it one by one.
                filter: { _id: write.id },
                update: { $set: { ...write.set, updatedAt: now } },
              },
            },
          });
          break;
        case 'insertGroup':
          groupOps.push({
            change,
            op: {
              insertOne: {
                document: {
                  _id: new Types.ObjectId(),
                  companyId: this.companyId,
                  entraId: write.entraId,
                  entraKey: entraKeyOf(this.companyId, write.entraId),
                  name: write.name,
                  memberIds: write.memberIds,
                  entraMemberIds: write.entraMemberIds,
                  managedBy: ManagedBy.AZURE_AD,
                  connectorId: this.connectorId,
                  createdAt: now,
                  updatedAt: now,
                },
              },
            },
          });
          break;
        // Updates address documents by _id only: FerretDB v1 scans the collection for any other
        // filter (an upsert by entraKey cost 128 ms per group at 200 groups).
        case 'updateGroup':
          groupOps.push({
            change,
            op: {
              updateOne: {
                filter: { _id: write.id },
                update: { $set: { ...write.set, updatedAt: now } },
              },
            },
          });
          break;
        case 'releaseGroup':
          groupOps.push({
            change,
            op: {
              updateOne: {
                filter: { _id: write.id },
                update: { $set: { managedBy: null, connectorId: null, updatedAt: now } },
              },
            },
          });
          break;
        default: {
          const unreachable: never = write;
          throw new Error(`unknown write ${String(unreachable)}`);
        }
      }
    }
    for (const fact of facts) {
      userOps.push({
        change: null,
        op: {
          updateOne: {
            filter: { _id: fact.id },
            update: { $set: { ...fact.set, updatedAt: now } },
          },
        },
      });
    }
    const started = performance.now();
    await this.run(
      this.models.DirectoryUser.collection as unknown as Collection<DirectoryUserDoc>,
      userOps,
      failed,
    );
    const usersDone = performance.now();
    await this.run(
      this.models.DirectoryGroup.collection as unknown as Collection<DirectoryGroupDoc>,
      groupOps,
      failed,
    );
    return {
      failed,
      usersMs: Math.round(usersDone - started),
      groupsMs: Math.round(performance.now() - usersDone),
    };
  }

  private async run<T extends Document>(
    collection: Collection<T>,
    entries: { change: PlannedChange | null; op: AnyBulkWriteOperation<T> }[],
    failed: Map<PlannedChange, string>,
  ): Promise<void> {
    const inserts = entries.filter((entry) => 'insertOne' in entry.op);
    const updates = entries.filter((entry) => !('insertOne' in entry.op));
    // Inserts go in ordered bulk batches; after a failed one the batch resumes just past it, so
    // one bad record never stops the rest.
    let start = 0;
    while (start < inserts.length) {
      this.signal?.throwIfAborted();
      const batch = inserts.slice(start, start + BATCH);
      try {
        await collection.bulkWrite(
          batch.map((entry) => entry.op),
          { ordered: true },
        );
        start += batch.length;
      } catch (error) {
        const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
        const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
        const first = (list as { index: number; code?: number; errmsg?: string }[] | null)?.[0];
        if (!first) throw error;
        const change = batch[first.index]?.change;
        if (change) failed.set(change, writeFailure(first));
        start += first.index + 1;
      }
    }
    // Updates one by one (by _id): FerretDB v1 stalls on batched updates (unordered: 20 in
    // 470 ms; some ordered batches: minutes), while a single update by _id takes ~2 ms.
    const queue = [...updates];
    const worker = async (): Promise<void> => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        this.signal?.throwIfAborted();
        const op = (entry.op as { updateOne: { filter: Filter<T>; update: UpdateFilter<T> } })
          .updateOne;
        try {
          await collection.updateOne(op.filter, op.update);
        } catch (error) {
          if (!entry.change) throw error;
          failed.set(entry.change, writeFailure(error as { code?: number; errmsg?: string }));
        }
      }
    };
    await Promise.all(Array.from({ length: UPDATE_CONCURRENCY }, worker));
  }
}

function writeFailure(error: { code?: number; errmsg?: string }): string {
  if (error.code === 11000) {
    return 'Duplicate email or Entra id: another directory user already has it; this user was not written.';
  }
  return `The directory rejected this user (${error.errmsg ?? 'write error'}).`;
}
