import { Arg, Ctx, ID, Int, Query, Resolver, Authorized } from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { EntraGroupConnection } from './entra-group.type.js';
import { PORTAL } from '../access.js';

@Resolver()
export class EntraGroupResolver {
  @Authorized(...PORTAL)
  @Query(() => EntraGroupConnection, {
    description: "Security groups of the connector's tenant for the group picker (first <= 100).",
  })
  async entraGroups(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<EntraGroupConnection> {
    const page = await ctx.services.setup.listGroups(requireCaller(ctx), connectorId, {
      search,
      first,
      after,
    });
    return {
      edges: page.groups.map((node) => ({ node })),
      pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    };
  }
}
