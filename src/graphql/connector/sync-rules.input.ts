import { Field, InputType, Int } from 'type-graphql';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
} from './connector.enums.js';

@InputType({ description: 'Only the fields given change; the others keep their value.' })
export class SyncRulesInput {
  @Field(() => UserAddedAction, { nullable: true })
  userAdded?: UserAddedAction | null;

  @Field(() => DeprovisionAction, { nullable: true })
  userRemovedFromGroup?: DeprovisionAction | null;

  @Field(() => DeprovisionAction, { nullable: true })
  userDisabledInEntra?: DeprovisionAction | null;

  @Field(() => DeprovisionAction, { nullable: true })
  userDeletedInEntra?: DeprovisionAction | null;

  @Field(() => ReenableAction, { nullable: true })
  userReenabled?: ReenableAction | null;

  @Field(() => AttributeChangeAction, { nullable: true })
  attributesChanged?: AttributeChangeAction | null;

  @Field(() => Int, { nullable: true, description: 'null = never delete.' })
  deleteAfterDays?: number | null;

  @Field(() => Boolean, { nullable: true })
  includeNestedGroups?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  includeGuests?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  linkExistingByEmail?: boolean | null;

  @Field(() => Int, { nullable: true })
  massChangeThresholdPercent?: number | null;

  @Field(() => Int, { nullable: true })
  massChangeThresholdAbsolute?: number | null;
}
