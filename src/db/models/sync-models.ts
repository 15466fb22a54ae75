import type { Connection } from 'mongoose';
import {
  directoryGroupMemberModel,
  type DirectoryGroupMemberModel,
} from './directory-group-member.model.js';
import { directoryGroupModel, type DirectoryGroupModel } from './directory-group.model.js';
import { directoryUserModel, type DirectoryUserModel } from './directory-user.model.js';
import { syncChangeChunkModel, type SyncChangeChunkModel } from './sync-change.model.js';
import { syncLockModel, type SyncLockModel } from './sync-lock.model.js';
import { syncRunModel, type SyncRunModel } from './sync-run.model.js';
import { syncStateModel, type SyncStateModel } from './sync-state.model.js';

/** The sync engine's collections: the directory it writes, its runs, change log and state. */
export interface SyncModels {
  DirectoryUser: DirectoryUserModel;
  DirectoryGroup: DirectoryGroupModel;
  DirectoryGroupMember: DirectoryGroupMemberModel;
  SyncRun: SyncRunModel;
  SyncChangeChunk: SyncChangeChunkModel;
  SyncState: SyncStateModel;
  SyncLock: SyncLockModel;
}

/** Compiles (or reuses) the models on a connection. */
export function syncModels(connection: Connection): SyncModels {
  const reuse = <T>(name: string, make: (c: Connection) => T): T =>
    (connection.models[name] as T | undefined) ?? make(connection);
  return {
    DirectoryUser: reuse('DirectoryUser', directoryUserModel),
    DirectoryGroup: reuse('DirectoryGroup', directoryGroupModel),
    DirectoryGroupMember: reuse('DirectoryGroupMember', directoryGroupMemberModel),
    SyncRun: reuse('SyncRun', syncRunModel),
    SyncChangeChunk: reuse('SyncChangeChunk', syncChangeChunkModel),
    SyncState: reuse('SyncState', syncStateModel),
    SyncLock: reuse('SyncLock', syncLockModel),
  };
}

export async function initSyncModels(connection: Connection): Promise<SyncModels> {
  const models = syncModels(connection);
  await Promise.all(Object.values(models).map((m: SyncModels[keyof SyncModels]) => m.init()));
  return models;
}
