import { registerEnumType } from 'type-graphql';
import { ChangeAction, ChangeObjectType, ChangeState } from '../../db/models/sync-change.model.js';
import { ApprovalState, SyncRunStatus } from '../../db/models/sync-run.model.js';
import { SyncMode, SyncTrigger } from '../../domain/connector.js';

registerEnumType(SyncTrigger, { name: 'SyncTrigger' });
registerEnumType(SyncMode, { name: 'SyncMode' });
registerEnumType(SyncRunStatus, { name: 'SyncRunStatus' });
registerEnumType(ApprovalState, { name: 'ApprovalState' });
registerEnumType(ChangeAction, { name: 'SyncChangeAction' });
registerEnumType(ChangeObjectType, { name: 'SyncChangeObjectType' });
registerEnumType(ChangeState, { name: 'SyncChangeState' });

export {
  ApprovalState,
  ChangeAction,
  ChangeObjectType,
  ChangeState,
  SyncMode,
  SyncRunStatus,
  SyncTrigger,
};
