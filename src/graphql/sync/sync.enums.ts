import { registerEnumType } from 'type-graphql';
import { SyncMode, SyncTrigger } from '../../domain/connector.js';
import { ApprovalState, SyncRunProblemCode, SyncRunStatus } from '../../domain/sync-run.js';
import { ChangeAction, ChangeObjectType, ChangeState } from '../../domain/change.js';

registerEnumType(SyncTrigger, { name: 'SyncTrigger' });
registerEnumType(SyncMode, { name: 'SyncMode' });
registerEnumType(SyncRunStatus, { name: 'SyncRunStatus' });
registerEnumType(ApprovalState, { name: 'ApprovalState' });
registerEnumType(SyncRunProblemCode, {
  name: 'SyncRunProblemCode',
  valuesConfig: {
    GROUP_MEMBERS_UNREADABLE: {
      description: 'Listing the sync group members failed part way: nobody was deprovisioned.',
    },
    LEAVERS_UNREADABLE: {
      description: 'Users who left the group could not be looked up: nobody was deprovisioned.',
    },
    DEPROVISIONING_WITHHELD: {
      description: 'Disables and deletes were withheld because the data was incomplete.',
    },
  },
});
registerEnumType(ChangeAction, { name: 'SyncChangeAction' });
registerEnumType(ChangeObjectType, { name: 'SyncChangeObjectType' });
registerEnumType(ChangeState, { name: 'SyncChangeState' });

export {
  ApprovalState,
  ChangeAction,
  ChangeObjectType,
  ChangeState,
  SyncMode,
  SyncRunProblemCode,
  SyncRunStatus,
  SyncTrigger,
};
