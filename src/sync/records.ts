import type { DirectoryGroupDoc } from '../db/models/directory-group.model.js';
import type { DirectoryUserDoc } from '../db/models/directory-user.model.js';
import type { SyncRunDoc } from '../db/models/sync-run.model.js';
import type { DirectoryGroupRecord, DirectoryUserRecord } from '../domain/directory.js';
import type { SyncRunRecord } from '../domain/sync-run.js';

/** Stored documents as the API's plain records (the API never sees a document or a model). */

export function syncRunRecord(doc: SyncRunDoc): SyncRunRecord {
  const {
    _id,
    queueKey: _queueKey,
    heartbeatAt: _heartbeat,
    createdAt: _c,
    updatedAt: _u,
    ...run
  } = doc;
  return { ...run, problems: run.problems ?? [], id: _id.toHexString() };
}

export function directoryUserRecord(doc: DirectoryUserDoc): DirectoryUserRecord {
  const { _id, createdAt: _createdAt, ...fields } = doc;
  return { ...fields, id: _id.toHexString() };
}

export function directoryGroupRecord(doc: DirectoryGroupDoc): DirectoryGroupRecord {
  return {
    id: doc._id.toHexString(),
    companyId: doc.companyId,
    entraId: doc.entraId,
    name: doc.name,
    memberCount: doc.memberCount ?? 0,
    managedBy: doc.managedBy,
    connectorId: doc.connectorId,
  };
}
