import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A company a partner manages; connectors are installed per company.' })
export class Company {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  partnerId!: string;

  @Field()
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Licensed seats; null = unlimited.' })
  seatLimit!: number | null;

  @Field()
  createdAt!: Date;
}
