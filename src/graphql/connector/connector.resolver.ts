import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Authorized } from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { ConnectorStatus } from './connector.enums.js';
import { InstallConnectorInput, SetConnectorCredentialsInput } from './connector.input.js';
import {
  ConnectorWithToken,
  SyncRequestResult,
  VerifyConnectionPayload,
} from './connector-payloads.type.js';
import { Connector, ConnectorConnection } from './connector.type.js';
import { toConnection } from '../connection.js';
import { SyncRulesInput } from './sync-rules.input.js';
import { PORTAL, PORTAL_OR_CONNECTOR } from '../access.js';

/** The connector lifecycle, in the order of the portal's wizard. Thin: see CompanyResolver. */
@Resolver(() => Connector)
export class ConnectorResolver {
  @Authorized(...PORTAL_OR_CONNECTOR)
  @Query(() => Connector, { description: "NOT_FOUND when outside the caller's scope." })
  connector(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Connector> {
    return ctx.services.connectors.get(requireCaller(ctx), id);
  }

  @Authorized(...PORTAL)
  @Query(() => ConnectorConnection, {
    description:
      "The caller's connectors (partners: across their companies), oldest first. Filters combine; uninstalled connectors are never listed.",
  })
  async connectors(
    @Ctx() ctx: RequestContext,
    @Arg('companyId', () => ID, { nullable: true }) companyId?: string | null,
    @Arg('status', () => ConnectorStatus, { nullable: true }) status?: ConnectorStatus | null,
    @Arg('secretExpiresWithinDays', () => Int, {
      nullable: true,
      description: 'Only connectors whose client secret expires within N days (or has expired).',
    })
    secretExpiresWithinDays?: number | null,
    @Arg('first', () => Int, { nullable: true, description: '1..1000, default 100.' })
    first?: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description:
        '`pageInfo.endCursor` of the previous page. Deprecated form, accepted until the next release: the id of the last connector of the previous page.',
    })
    after?: string | null,
  ): Promise<ConnectorConnection> {
    const filter = { companyId, status, secretExpiresWithinDays, first, after };
    const page = await ctx.services.connectors.list(requireCaller(ctx), filter);
    return toConnection(page, (view) => view);
  }

  @Authorized(...PORTAL)
  @Mutation(() => ConnectorWithToken, { description: 'Install: the token is returned once.' })
  installConnector(
    @Arg('input', () => InstallConnectorInput) input: InstallConnectorInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectorWithToken> {
    return ctx.services.connectors.install(requireCaller(ctx), input);
  }

  @Authorized(...PORTAL)
  @Mutation(() => ConnectorWithToken, {
    description: 'A new authentication token; the old one stops working.',
  })
  rotateConnectorToken(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectorWithToken> {
    return ctx.services.connectors.rotateToken(requireCaller(ctx), connectorId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector, {
    description:
      'Changing credentials resets verification. On a saved connector (same tenant) the new credentials are verified at once and, when they work, syncing resumes without another click.',
  })
  setConnectorCredentials(
    @Arg('input', () => SetConnectorCredentialsInput) input: SetConnectorCredentialsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    const { connectorId, ...credentials } = input;
    return ctx.services.setup.setCredentials(requireCaller(ctx), connectorId, credentials);
  }

  @Authorized(...PORTAL)
  @Mutation(() => VerifyConnectionPayload, {
    description:
      'Gets a token and probes the permissions; returns a consentUrl when consent is the fix.',
  })
  verifyConnection(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<VerifyConnectionPayload> {
    return ctx.services.setup.verifyConnection(requireCaller(ctx), connectorId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector, { description: 'The one security group whose members are synced.' })
  selectSyncGroup(
    @Arg('connectorId', () => ID) connectorId: string,
    @Arg('groupId') groupId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.setup.selectSyncGroup(requireCaller(ctx), connectorId, groupId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector, { description: 'Optional extra groups to mirror; replaces the list.' })
  setSyncedGroups(
    @Arg('connectorId', () => ID) connectorId: string,
    @Arg('groupIds', () => [String]) groupIds: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.setup.setSyncedGroups(requireCaller(ctx), connectorId, groupIds);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector)
  updateSyncRules(
    @Arg('connectorId', () => ID) connectorId: string,
    @Arg('rules', () => SyncRulesInput) rules: SyncRulesInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.setup.updateSyncRules(requireCaller(ctx), connectorId, rules);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector, {
    description: '"Save changes": needs a verified connection and a sync group.',
  })
  activateConnector(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.connectors.activate(requireCaller(ctx), connectorId);
  }

  @Authorized(...PORTAL_OR_CONNECTOR)
  @Mutation(() => SyncRequestResult, {
    description: "Also allowed with the connector's own token.",
  })
  synchronizeNow(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRequestResult> {
    return ctx.services.connectors.synchronizeNow(requireCaller(ctx), connectorId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector)
  setConnectorEnabled(
    @Arg('connectorId', () => ID) connectorId: string,
    @Arg('enabled') enabled: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.connectors.setEnabled(requireCaller(ctx), connectorId, enabled);
  }

  @Authorized(...PORTAL)
  @Mutation(() => Connector, {
    description: 'Stops syncing; the users stay but are no longer managed by Azure AD.',
  })
  uninstallConnector(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Connector> {
    return ctx.services.connectors.uninstall(requireCaller(ctx), connectorId);
  }
}
