import { Arg, ID, Resolver, Root, Subscription, Authorized } from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { ConnectorStatusChange } from './connector-payloads.type.js';
import { PORTAL_OR_CONNECTOR } from '../access.js';

interface StatusArgs {
  companyId?: string | null;
  connectorId?: string | null;
}

/**
 * Live status. The access check runs when the subscription starts (an id outside the caller's
 * scope is NOT_FOUND, as for queries); each event is then filtered by the caller's scope.
 */
@Resolver()
export class ConnectorStatusResolver {
  @Authorized(...PORTAL_OR_CONNECTOR)
  @Subscription(() => ConnectorStatusChange, {
    subscribe: ({ args, context }) => {
      const { companyId, connectorId } = args as StatusArgs;
      const ctx = context as RequestContext;
      return ctx.services.connectors.statusChanges(requireCaller(ctx), { companyId, connectorId });
    },
  })
  connectorStatusChanged(
    @Root() change: ConnectorStatusChange,
    @Arg('companyId', () => ID, { nullable: true }) _companyId?: string | null,
    @Arg('connectorId', () => ID, { nullable: true }) _connectorId?: string | null,
  ): ConnectorStatusChange {
    return change;
  }
}
