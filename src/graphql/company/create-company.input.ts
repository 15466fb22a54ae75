import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreateCompanyInput {
  @Field(() => ID, {
    nullable: true,
    description: "Defaults to the caller's partner; another partner's id is NOT_FOUND.",
  })
  partnerId?: string | null;

  @Field()
  name!: string;

  @Field(() => Int, { nullable: true })
  seatLimit?: number | null;
}
