import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { ManagedBy, type DirectoryUserDoc } from '../../db/models/directory-user.model.js';
import { entraKeyOf } from '../../db/models/directory-user.model.js';
import type { DirectoryGroupDoc } from '../../db/models/directory-group.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import type { FactsWrite, PlannedChange } from '../plan/plan.types.js';

/** Documents per bulkWrite call: FerretDB pays per document, the round trip per call. */
const BATCH = 1_000;

export interface ApplyResult {
  /** Changes whose write failed, with the reason (e.g. a duplicate email lost a race). */
  failed: Map<PlannedChange, string>;
}

/**
 * Writes planned changes in batches (unordered bulkWrite: one bad record never stops the rest).
 * Status changes carry the status they were planned from, so a stale change (approval long after
 * planning) matches nothing and is reported instead of overwriting a newer state.
 */
export class PlanApplier {
  constructor(
    private readonly models: SyncModels,
    private readonly companyId: string,
    private readonly connectorId: string,
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
                filter: { _id: write.id, status: write.expectStatus },
                update: { $set: { ...write.set, updatedAt: now } },
              },
            },
          });
          break;
        case 'insertGroup':
          groupOps.push({
            change,
            op: {
              updateOne: {
                filter: { entraKey: entraKeyOf(this.companyId, write.entraId) },
                update: {
                  $set: {
                    name: write.name,
                    memberIds: write.memberIds,
                    entraMemberIds: write.entraMemberIds,
                    managedBy: ManagedBy.AZURE_AD,
                    connectorId: this.connectorId,
                    updatedAt: now,
                  },
                  $setOnInsert: {
                    companyId: this.companyId,
                    entraId: write.entraId,
                    createdAt: now,
                  },
                },
                upsert: true,
              },
            },
          });
          break;
        case 'updateGroup':
          groupOps.push({
            change,
            op: {
              updateOne: {
                filter: { entraKey: entraKeyOf(this.companyId, write.entraId) },
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
                filter: {
                  entraKey: entraKeyOf(this.companyId, write.entraId),
                  connectorId: this.connectorId,
                },
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
    await this.run(
      this.models.DirectoryUser.collection as unknown as Collection<DirectoryUserDoc>,
      userOps,
      failed,
    );
    await this.run(
      this.models.DirectoryGroup.collection as unknown as Collection<DirectoryGroupDoc>,
      groupOps,
      failed,
    );
    return { failed };
  }

  private async run<T extends Document>(
    collection: Collection<T>,
    entries: { change: PlannedChange | null; op: AnyBulkWriteOperation<T> }[],
    failed: Map<PlannedChange, string>,
  ): Promise<void> {
    for (let start = 0; start < entries.length; start += BATCH) {
      const batch = entries.slice(start, start + BATCH);
      try {
        await collection.bulkWrite(
          batch.map((entry) => entry.op),
          { ordered: false },
        );
      } catch (error) {
        const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
        const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
        if (!list) throw error;
        for (const writeError of list as { index: number; code?: number; errmsg?: string }[]) {
          const change = batch[writeError.index]?.change;
          if (change) failed.set(change, writeFailure(writeError));
        }
      }
    }
  }
}

function writeFailure(error: { code?: number; errmsg?: string }): string {
  if (error.code === 11000) {
    return 'Duplicate email or Entra id: another directory user already has it; this user was not written.';
  }
  return `The directory rejected this user (${error.errmsg ?? 'write error'}).`;
}
