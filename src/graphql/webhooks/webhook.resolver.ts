import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { encodeFeedCursor } from '../../domain/directory-event.js';
import type { WebhookAttemptView } from '../../outbound/endpoint-records.js';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { PORTAL } from '../access.js';
import { toConnection } from '../connection.js';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook.input.js';
import {
  WebhookAttempt,
  WebhookAttemptConnection,
  WebhookEndpoint,
  WebhookEndpointConnection,
  WebhookEndpointWithSecret,
} from './webhook.type.js';

/** Outbound webhook endpoints of a company. Thin: the services apply the scope and the rules. */
@Resolver()
export class WebhookResolver {
  @Authorized(...PORTAL)
  @Query(() => WebhookEndpointConnection)
  async webhookEndpoints(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<WebhookEndpointConnection> {
    const page = await ctx.services.webhooks.endpoints.list(
      requireCaller(ctx),
      companyId,
      first,
      after,
    );
    return toConnection(page, (endpoint) => endpoint);
  }

  @Authorized(...PORTAL)
  @Query(() => WebhookAttemptConnection, { description: 'Delivery attempts, newest first.' })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<WebhookAttemptConnection> {
    const page = await ctx.services.webhooks.deliveries.deliveries(
      requireCaller(ctx),
      endpointId,
      first,
      after,
    );
    return toConnection(page, attemptView);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpointWithSecret, { description: 'The secret is returned this once.' })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointWithSecret> {
    return ctx.services.webhooks.endpoints.create(requireCaller(ctx), input.companyId, input);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpoint)
  updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.endpoints.update(requireCaller(ctx), input.endpointId, input);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpointWithSecret, {
    description:
      'A new secret (returned this once); the previous one signs too for `graceHours` (default 24).',
  })
  rotateWebhookEndpointSecret(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
    @Arg('graceHours', () => Int, { nullable: true }) graceHours?: number | null,
  ): Promise<WebhookEndpointWithSecret> {
    return ctx.services.webhooks.endpoints.rotateSecret(requireCaller(ctx), endpointId, graceHours);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpoint, { description: 'Enabling resumes from the saved position.' })
  setWebhookEndpointEnabled(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('enabled') enabled: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.endpoints.setEnabled(requireCaller(ctx), endpointId, enabled);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpoint, {
    description: 'Deletes the endpoint and its delivery history.',
  })
  deleteWebhookEndpoint(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.endpoints.delete(requireCaller(ctx), endpointId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookAttempt, { description: 'Sends one signed webhook.test event now.' })
  async sendTestWebhook(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookAttempt> {
    const attempt = await ctx.services.webhooks.deliveries.sendTest(requireCaller(ctx), endpointId);
    return attemptView({ ...attempt, cursor: '' });
  }

  @Authorized(...PORTAL)
  @Mutation(() => WebhookEndpoint, {
    description:
      'Delivers again every directory event after `fromCursor` (null: the oldest kept), with the same webhook ids.',
  })
  replayWebhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: RequestContext,
    @Arg('fromCursor', () => String, { nullable: true }) fromCursor?: string | null,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.deliveries.replay(requireCaller(ctx), endpointId, fromCursor);
  }
}

function attemptView(attempt: WebhookAttemptView): WebhookAttempt {
  const { cursor: _cursor, seq, ...rest } = attempt;
  return { ...rest, eventCursor: seq === null ? null : encodeFeedCursor(seq) };
}
