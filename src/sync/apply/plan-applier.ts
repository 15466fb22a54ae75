import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { Types } from 'mongoose';
import type { DirectoryGroupDoc } from '../../db/models/directory-group.model.js';
import type { DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import { nativeCollection } from '../../db/native-collection.js';
import { ManagedBy, entraKeyOf } from '../../domain/directory.js';
import type { FactsWrite, PlannedChange } from '../plan/plan.types.js';

/** Documents per insert batch: FerretDB pays per document, the round trip per call. */
const BATCH = 1_000;
/** Updates per unordered batch. */
const UPDATE_BATCH = 250;

interface Op<T extends Document> {
  change: PlannedChange | null;
  op: AnyBulkWriteOperation<T>;
}

/**
 * Writes planned changes; one bad record never stops the rest, and a change whose write failed
 * (e.g. a duplicate email that lost a race) is returned with the reason.
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
  ): Promise<Map<PlannedChange, string>> {
    const failed = new Map<PlannedChange, string>();
    const now = new Date();
    const users: Op<DirectoryUserDoc>[] = [];
    const groups: Op<DirectoryGroupDoc>[] = [];
    for (const change of changes) {
      const write = change.write;
      if (!write) continue;
      switch (write.kind) {
        case 'insertUser':
          users.push({
            change,
            op: {
              insertOne: {
                document: {
                  ...write.doc,
                  _id: new Types.ObjectId(),
                  createdAt: now,
                  updatedAt: now,
                },
              },
            },
          });
          break;
        case 'updateUser':
          users.push({ change, op: updateById(write.id, { ...write.set, updatedAt: now }) });
          break;
        case 'insertGroup':
          groups.push({ change, op: { insertOne: { document: this.newGroup(write, now) } } });
          break;
        case 'updateGroup':
          groups.push({ change, op: updateById(write.id, { ...write.set, updatedAt: now }) });
          break;
        case 'releaseGroup':
          groups.push({
            change,
            op: updateById(write.id, { managedBy: null, connectorId: null, updatedAt: now }),
          });
          break;
        default: {
          const unreachable: never = write;
          throw new Error(`unknown write ${String(unreachable)}`);
        }
      }
    }
    for (const fact of facts) {
      users.push({ change: null, op: updateById(fact.id, { ...fact.set, updatedAt: now }) });
    }
    await this.run(nativeCollection<DirectoryUserDoc>(this.models.DirectoryUser), users, failed);
    await this.run(nativeCollection<DirectoryGroupDoc>(this.models.DirectoryGroup), groups, failed);
    return failed;
  }

  private newGroup(
    write: { entraId: string; name: string; memberCount: number },
    now: Date,
  ): DirectoryGroupDoc {
    return {
      _id: new Types.ObjectId(),
      companyId: this.companyId,
      entraId: write.entraId,
      entraKey: entraKeyOf(this.companyId, write.entraId),
      name: write.name,
      memberCount: write.memberCount,
      managedBy: ManagedBy.AZURE_AD,
      connectorId: this.connectorId,
      createdAt: now,
      updatedAt: now,
    };
  }

  private async run<T extends Document>(
    target: Collection<T>,
    entries: Op<T>[],
    failed: Map<PlannedChange, string>,
  ): Promise<void> {
    const inserts = entries.filter((entry) => 'insertOne' in entry.op);
    const updates = entries.filter((entry) => !('insertOne' in entry.op));
    // Inserts, then updates (each by _id), in unordered batches: every write is tried and each
    // failure is reported by its index, so one bad record never stops the rest.
    for (const [list, size] of [
      [inserts, BATCH],
      [updates, UPDATE_BATCH],
    ] as const) {
      for (let at = 0; at < list.length; at += size) {
        this.signal?.throwIfAborted();
        const batch = list.slice(at, at + size);
        try {
          await target.bulkWrite(
            batch.map((entry) => entry.op),
            { ordered: false },
          );
        } catch (error) {
          const errors = writeErrors(error);
          if (!errors) throw error;
          for (const each of errors) {
            const change = batch[each.index]?.change;
            if (!change) throw error;
            failed.set(change, writeFailure(each));
          }
        }
      }
    }
  }
}

/** By _id alone, which the offline database answers from its index (docs/sync.md). */
function updateById<T extends Document>(id: string, set: Document): AnyBulkWriteOperation<T> {
  return {
    updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $set: set } },
  } as AnyBulkWriteOperation<T>;
}

type WriteError = { index: number; code?: number; errmsg?: string };

/** A bulk write's per-operation errors, or null when the error is not a bulk write's. */
function writeErrors(error: unknown): WriteError[] | null {
  const found = (error as { writeErrors?: unknown }).writeErrors;
  if (!found) return null;
  const list = (Array.isArray(found) ? found : [found]) as WriteError[];
  return list.length > 0 ? list : null;
}

function writeFailure(error: { code?: number; errmsg?: string }): string {
  if (error.code === 11000) {
    return 'Duplicate email or Entra id: another directory user already has it; this user was not written.';
  }
  return `The directory rejected this user (${error.errmsg ?? 'write error'}).`;
}
