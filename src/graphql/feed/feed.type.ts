import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection } from '../connection.js';
import { ChangeObjectType } from '../sync/sync.enums.js';

@ObjectType({
  description: 'Entra user ids whose membership of the group entered or left its scope.',
})
export class DirectoryMembersChange {
  @Field(() => [String]) added!: string[];
  @Field(() => [String]) removed!: string[];
}

@ObjectType({
  description:
    "One entry of a company's change feed: a change applied to its directory, in order. docs/webhooks.md lists the types and their fields.",
})
export class DirectoryChange {
  @Field({ description: 'Opaque; only grows within a company. Resume after it with `after`.' })
  cursor!: string;
  @Field({ description: 'e.g. directory.user.disabled, directory.group.members_changed.' })
  type!: string;
  @Field(() => Date, { description: 'When the change was applied.' }) occurredAt!: Date;
  @Field(() => ID) companyId!: string;
  @Field(() => ID, { nullable: true }) connectorId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The sync run that made the change.' })
  runId!: string | null;
  @Field(() => ChangeObjectType) objectType!: ChangeObjectType;
  @Field(() => ID, { nullable: true, description: "The directory's own id of the user or group." })
  objectId!: string | null;
  @Field({ description: 'The Entra object id.' }) entraId!: string;
  @Field({ description: 'Email or group name.' }) label!: string;
  @Field(() => String, { nullable: true, description: 'The sync rule behind the change.' })
  rule!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Touched attributes before.' })
  before!: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Touched attributes after.' })
  after!: Record<string, unknown> | null;
  @Field(() => DirectoryMembersChange, { nullable: true }) members!: DirectoryMembersChange | null;
}

@ObjectType({ description: "A page of a company's change feed, oldest first." })
export class DirectoryChangeConnection extends Connection(DirectoryChange, 'DirectoryChange') {
  @Field(() => Int, {
    description:
      "Entries kept in the company's feed, on all pages (not only after `after`). Read from the feed's head rather than counted: an upper bound, since a change whose write failed keeps its position but is never shown.",
  })
  override totalCount!: number;
}
