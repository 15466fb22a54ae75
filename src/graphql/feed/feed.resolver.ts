import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { DirectoryChangeRecord } from '../../domain/directory-event.js';
import { ChangeObjectType } from '../../domain/change.js';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { PORTAL } from '../access.js';
import { toConnection } from '../connection.js';
import { DirectoryChange, DirectoryChangeConnection } from './feed.type.js';

interface LiveArgs {
  companyId: string;
  after?: string | null;
}

/** A company's change feed, paged and live. Thin: the service applies the scope. */
@Resolver()
export class FeedResolver {
  @Authorized(...PORTAL)
  @Query(() => DirectoryChangeConnection, {
    description: 'The directory changes after `after` (from the oldest kept), in order.',
  })
  async directoryChanges(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('first', () => Int, { defaultValue: 100 }) first = 100,
  ): Promise<DirectoryChangeConnection> {
    const page = await ctx.services.feed.changes(requireCaller(ctx), companyId, first, after);
    return toConnection(page, changeView);
  }

  @Authorized(...PORTAL)
  @Subscription(() => DirectoryChange, {
    description:
      'Every directory change after `after` (without it: from now on), then each new one as it is applied.',
    subscribe: ({ args, context }) => {
      const { companyId, after } = args as LiveArgs;
      const ctx = context as RequestContext;
      return ctx.services.feed.live(requireCaller(ctx), companyId, after);
    },
  })
  directoryChanged(
    @Root() change: DirectoryChangeRecord,
    @Arg('companyId', () => ID) _companyId: string,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): DirectoryChange {
    return changeView(change);
  }
}

function changeView(record: DirectoryChangeRecord): DirectoryChange {
  return {
    ...record,
    objectType: record.objectType === 'USER' ? ChangeObjectType.USER : ChangeObjectType.GROUP,
  };
}
