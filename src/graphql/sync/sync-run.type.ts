import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection, LEGACY_PAGE_FIELD } from '../connection.js';
import { ErrorCode } from '../connector/connector.enums.js';
import {
  ApprovalState,
  ChangeAction,
  ChangeObjectType,
  ChangeState,
  SyncMode,
  SyncRunProblemCode,
  SyncRunStatus,
  SyncTrigger,
} from './sync.enums.js';

@ObjectType()
export class SyncRunCounts {
  @Field(() => Int) usersCreated!: number;
  @Field(() => Int) usersUpdated!: number;
  @Field(() => Int) usersEnabled!: number;
  @Field(() => Int) usersDisabled!: number;
  @Field(() => Int) usersDeleted!: number;
  @Field(() => Int, { description: 'Created PENDING_APPROVAL (seat limit or rule).' })
  usersPending!: number;
  @Field(() => Int) groupsCreated!: number;
  @Field(() => Int) groupsUpdated!: number;
  @Field(() => Int) groupsRemoved!: number;
  @Field(() => Int) membershipsAdded!: number;
  @Field(() => Int) membershipsRemoved!: number;
  @Field(() => Int, { description: 'Per-object errors (duplicate email, rejected record).' })
  errors!: number;
  @Field(() => Int, { description: 'Disables/deletes held for approval.' })
  staged!: number;
}

@ObjectType()
export class SyncRunError {
  @Field(() => ErrorCode) code!: ErrorCode;
  @Field() message!: string;
}

@ObjectType()
export class SyncRunApproval {
  @Field(() => ApprovalState) state!: ApprovalState;
  @Field(() => Date, { nullable: true }) decidedAt!: Date | null;
  @Field(() => String, { nullable: true }) decidedBy!: string | null;
}

@ObjectType({ description: 'One entry of the per-object change log.' })
export class SyncChange {
  @Field(() => Int) seq!: number;
  @Field(() => ChangeObjectType) objectType!: ChangeObjectType;
  @Field({ description: 'The Entra object id.' }) objectId!: string;
  @Field({ description: 'Email or group name.' }) label!: string;
  @Field(() => ChangeAction) action!: ChangeAction;
  @Field({ description: 'The sync rule that caused the change, e.g. userRemovedFromGroup.' })
  rule!: string;
  @Field(() => ChangeState) state!: ChangeState;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Touched fields before.' })
  before!: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Touched fields after.' })
  after!: Record<string, unknown> | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}

@ObjectType()
export class SyncChangeConnection extends Connection(SyncChange, 'SyncChange') {
  @Field({ deprecationReason: LEGACY_PAGE_FIELD }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, deprecationReason: LEGACY_PAGE_FIELD })
  endCursor!: string | null;
}

@ObjectType({ description: 'Why a run was PARTIAL for want of Entra data.' })
export class SyncRunProblem {
  @Field(() => SyncRunProblemCode) code!: SyncRunProblemCode;
  @Field({ description: 'The same in English (also one of the notes).' }) message!: string;
}

@ObjectType()
export class SyncRun {
  @Field(() => ID) id!: string;
  @Field(() => ID) connectorId!: string;
  @Field(() => ID) companyId!: string;
  @Field(() => SyncTrigger) trigger!: SyncTrigger;
  @Field(() => SyncMode) mode!: SyncMode;
  @Field(() => SyncRunStatus) status!: SyncRunStatus;
  @Field(() => Int, { description: 'Triggers folded into this run while it was queued.' })
  coalesced!: number;
  @Field() requestedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { nullable: true }) durationMs!: number | null;
  @Field(() => SyncRunCounts) counts!: SyncRunCounts;
  @Field(() => Int) graphRequests!: number;
  @Field(() => Int) resourceUnits!: number;
  @Field(() => Int) changeCount!: number;
  @Field(() => SyncRunError, { nullable: true }) error!: SyncRunError | null;
  @Field(() => [String], { description: 'Why something was withheld or fell back.' })
  notes!: string[];
  @Field(() => [SyncRunProblem], {
    description: 'What made the run PARTIAL for want of Entra data, with a code each.',
  })
  problems!: SyncRunProblem[];
  @Field(() => SyncRunApproval, { nullable: true }) approval!: SyncRunApproval | null;
}

@ObjectType()
export class SyncRunConnection extends Connection(SyncRun, 'SyncRun') {
  @Field({ deprecationReason: LEGACY_PAGE_FIELD }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, deprecationReason: LEGACY_PAGE_FIELD })
  endCursor!: string | null;
}

@ObjectType({ description: 'What a sync would do now; nothing was written.' })
export class SyncPreview {
  @Field(() => [SyncChange]) changes!: SyncChange[];
  @Field(() => [String]) notes!: string[];
  @Field(() => Int) graphRequests!: number;
}
