import { Field, Int, ObjectType } from 'type-graphql';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
} from './connector.enums.js';

@ObjectType({ description: 'What the hub does in the directory when something changes in Entra.' })
export class SyncRules {
  @Field(() => UserAddedAction)
  userAdded!: UserAddedAction;

  @Field(() => DeprovisionAction)
  userRemovedFromGroup!: DeprovisionAction;

  @Field(() => DeprovisionAction)
  userDisabledInEntra!: DeprovisionAction;

  @Field(() => DeprovisionAction)
  userDeletedInEntra!: DeprovisionAction;

  @Field(() => ReenableAction)
  userReenabled!: ReenableAction;

  @Field(() => AttributeChangeAction)
  attributesChanged!: AttributeChangeAction;

  @Field(() => Int, {
    nullable: true,
    description: 'Disable now, soft-delete after N days; null = never.',
  })
  deleteAfterDays!: number | null;

  @Field()
  includeNestedGroups!: boolean;

  @Field()
  includeGuests!: boolean;

  @Field()
  linkExistingByEmail!: boolean;

  @Field(() => Int)
  massChangeThresholdPercent!: number;

  @Field(() => Int)
  massChangeThresholdAbsolute!: number;
}
