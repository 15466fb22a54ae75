import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import {
  DirectoryGroup,
  DirectoryManagedBy,
  DirectoryUser,
  DirectoryUserConnection,
  DirectoryUserStatus,
} from './directory.type.js';
import {
  ManagedBy,
  type DirectoryGroupRecord,
  type DirectoryUserRecord,
} from '../../domain/directory.js';
import { PORTAL } from '../access.js';
import { legacyPage, toConnection } from '../connection.js';

/** The company directory the sync engine writes. Thin: the service applies the scope. */
@Resolver(() => DirectoryGroup)
export class DirectoryResolver {
  @Authorized(...PORTAL)
  @Query(() => DirectoryUserConnection)
  async directoryUsers(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
    @Arg('managedBy', () => DirectoryManagedBy, { nullable: true })
    managedBy?: DirectoryManagedBy | null,
    @Arg('status', () => DirectoryUserStatus, { nullable: true })
    status?: DirectoryUserStatus | null,
    @Arg('search', () => String, { nullable: true, description: 'Email or name contains.' })
    search?: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<DirectoryUserConnection> {
    const page = await ctx.services.sync.directoryUsers(
      requireCaller(ctx),
      companyId,
      {
        managedBy: managedBy
          ? managedBy === DirectoryManagedBy.AZURE_AD
            ? ManagedBy.AZURE_AD
            : null
          : undefined,
        status,
        search,
      },
      first,
      after,
    );
    return { ...toConnection(page, userView), ...legacyPage(page) };
  }

  @Authorized(...PORTAL)
  @Query(() => [DirectoryGroup])
  async directoryGroups(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<DirectoryGroup[]> {
    const groups = await ctx.services.sync.directoryGroups(requireCaller(ctx), companyId);
    return groups.map(groupView);
  }

  @Authorized(...PORTAL)
  @FieldResolver(() => [String], {
    description: 'Entra ids of the members (synced users only), read only when asked for.',
  })
  memberIds(@Root() group: DirectoryGroup, @Ctx() ctx: RequestContext): Promise<string[]> {
    return ctx.services.sync.groupMemberIds(requireCaller(ctx), group.companyId, group.entraId);
  }
}

function userView(doc: DirectoryUserRecord): DirectoryUser {
  return {
    id: doc.id,
    entraId: doc.entraId,
    email: doc.email,
    displayName: doc.displayName,
    givenName: doc.givenName,
    surname: doc.surname,
    status: doc.status,
    statusReason: doc.statusReason,
    managedBy: doc.managedBy ? DirectoryManagedBy.AZURE_AD : DirectoryManagedBy.NONE,
    connectorId: doc.connectorId,
    disabledAt: doc.disabledAt,
    deleteAfter: doc.deleteAfter,
    deletedAt: doc.deletedAt,
    updatedAt: doc.updatedAt,
  };
}

function groupView(doc: DirectoryGroupRecord): DirectoryGroup {
  return {
    id: doc.id,
    entraId: doc.entraId,
    companyId: doc.companyId,
    name: doc.name,
    memberCount: doc.memberCount,
    managedBy: doc.managedBy ? DirectoryManagedBy.AZURE_AD : DirectoryManagedBy.NONE,
    connectorId: doc.connectorId,
  };
}
