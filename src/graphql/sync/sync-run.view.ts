import type { SyncRunRecord } from '../../domain/sync-run.js';
import type { SyncRun } from './sync-run.type.js';

/** A stored run as the API shows it. */
export function syncRunView(doc: SyncRunRecord): SyncRun {
  return {
    id: doc.id,
    connectorId: doc.connectorId,
    companyId: doc.companyId,
    trigger: doc.trigger,
    mode: doc.mode,
    status: doc.status,
    coalesced: doc.coalesced,
    requestedAt: doc.requestedAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    durationMs:
      doc.startedAt && doc.finishedAt ? doc.finishedAt.getTime() - doc.startedAt.getTime() : null,
    counts: doc.counts,
    graphRequests: doc.graphRequests,
    resourceUnits: doc.resourceUnits,
    changeCount: doc.changeCount,
    error: doc.error,
    notes: doc.notes,
    problems: doc.problems,
    approval: doc.approval,
  };
}
