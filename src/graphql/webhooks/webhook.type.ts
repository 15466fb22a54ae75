import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection } from '../connection.js';

@ObjectType({
  description:
    "A receiver of a company's events (Standard Webhooks). Its signing secret is shown once, when created or rotated.",
})
export class WebhookEndpoint {
  @Field(() => ID) id!: string;
  @Field(() => ID) companyId!: string;
  @Field() url!: string;
  @Field() description!: string;
  @Field(() => [String], { description: 'Empty: every event type.' }) eventTypes!: string[];
  @Field() enabled!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'Why it was disabled (410, failures, admin).',
  })
  disabledReason!: string | null;
  @Field(() => Date, { nullable: true }) disabledAt!: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'Feed position up to which every event is delivered or parked for retry.',
  })
  cursor!: string | null;
  @Field(() => Date) secretCreatedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Until then the previous secret signs too.' })
  previousSecretExpiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastSuccessAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Every attempt has failed since.' })
  failingSince!: Date | null;
  @Field(() => Date, { nullable: true }) nextRetryAt!: Date | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType()
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint) endpoint!: WebhookEndpoint;
  @Field({ description: 'whsec_...: shown this once, stored encrypted, never returned again.' })
  secret!: string;
}

@ObjectType({ description: "A company's webhook endpoints, oldest first." })
export class WebhookEndpointConnection extends Connection(WebhookEndpoint, 'WebhookEndpoint') {}

@ObjectType({ description: 'One HTTP attempt to deliver an event to an endpoint.' })
export class WebhookAttempt {
  @Field({ description: 'The `webhook-id` header: the same on every attempt of one event.' })
  webhookId!: string;
  @Field() type!: string;
  @Field(() => String, { nullable: true, description: 'The feed cursor of a directory event.' })
  eventCursor!: string | null;
  @Field(() => Int, { description: '1 for the first attempt of this event at this endpoint.' })
  attempt!: number;
  @Field(() => Date) at!: Date;
  @Field(() => Int, { nullable: true, description: 'HTTP status; null when none came back.' })
  status!: number | null;
  @Field() ok!: boolean;
  @Field(() => Int) latencyMs!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, { nullable: true, description: 'The start of the response body.' })
  response!: string | null;
  @Field(() => Date, { nullable: true }) nextRetryAt!: Date | null;
}

@ObjectType({ description: 'Attempts, newest first.' })
export class WebhookAttemptConnection extends Connection(WebhookAttempt, 'WebhookAttempt') {
  @Field(() => Int, {
    description:
      'Every attempt the log keeps, on all pages: a bounded count, since only the most recent delivery rounds of an endpoint are kept (docs/webhooks.md, "Delivery log").',
  })
  override totalCount!: number;
}
