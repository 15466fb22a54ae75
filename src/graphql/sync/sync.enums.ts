import { registerEnumType } from 'type-graphql';
import { SyncMode, SyncTrigger } from '../../domain/connector.js';
import { ApprovalState, SyncRunStatus } from '../../domain/sync-run.js';
import { ChangeAction, ChangeObjectType, ChangeState } from '../../domain/change.js';

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
