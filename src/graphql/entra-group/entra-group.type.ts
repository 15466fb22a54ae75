import { Field, ID, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection.js';

@ObjectType({ description: "A security group in the connector's Entra tenant." })
export class EntraGroup {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true })
  mail!: string | null;
}

@ObjectType()
export class EntraGroupEdge {
  @Field(() => EntraGroup)
  node!: EntraGroup;
}

@ObjectType({ description: 'Relay-style page of groups, read live from Microsoft Graph.' })
export class EntraGroupConnection {
  @Field(() => [EntraGroupEdge])
  edges!: EntraGroupEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
