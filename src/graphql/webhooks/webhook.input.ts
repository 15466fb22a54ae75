import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => ID) companyId!: string;

  @Field({ description: 'https (http only in development); public addresses only.' })
  url!: string;

  @Field(() => [String], { nullable: true, description: 'Empty or absent: every event type.' })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID) endpointId!: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [String], { nullable: true }) eventTypes?: string[] | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}
