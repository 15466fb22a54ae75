import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { assertEveryOperationHasAccessRule, authChecker } from './access.js';
import { LiveTopic, type LiveEvents, type LiveTopics } from '../events/live-events.js';
import { CompanyResolver } from './company/company.resolver.js';
import { ConnectorStatusResolver } from './connector/connector-status.resolver.js';
import { ConnectorResolver } from './connector/connector.resolver.js';
import { DirectoryResolver } from './directory/directory.resolver.js';
import { EntraGroupResolver } from './entra-group/entra-group.resolver.js';
import { FeedResolver } from './feed/feed.resolver.js';
import { SyncResolver } from './sync/sync.resolver.js';
import { WebhookResolver } from './webhooks/webhook.resolver.js';

/**
 * Every resolver of the API. A new feature adds its resolver class here (and its services to
 * src/server/services.ts + src/hub.ts); `npm run schema:emit` then updates schema/schema.graphql.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [
  CompanyResolver,
  ConnectorResolver,
  ConnectorStatusResolver,
  EntraGroupResolver,
  SyncResolver,
  DirectoryResolver,
  FeedResolver,
  WebhookResolver,
];

export async function buildHubSchema(live: LiveEvents): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    // Inputs are validated by the services (named fields, no echo of values), not class-validator.
    validate: false,
    pubSub: livePubSub(live),
    authChecker,
  });
  assertEveryOperationHasAccessRule();
  return schema;
}

/**
 * type-graphql's PubSub over LiveEvents, for `@Subscription({ topics })`. Our own subscriptions
 * use `subscribe` (they check access first), but type-graphql requires a PubSub regardless.
 */
function livePubSub(live: LiveEvents): PubSub {
  const topic = (name: string): LiveTopic => {
    if (!Object.values<string>(LiveTopic).includes(name)) throw new Error(`unknown topic ${name}`);
    return name as LiveTopic;
  };
  return {
    publish: (name, ...args) =>
      void live.publish(topic(name), args[0] as LiveTopics[LiveTopic]).catch(() => undefined),
    subscribe: (name) => live.subscribe(topic(name)),
  };
}
