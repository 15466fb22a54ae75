import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  Authorized,
} from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { SyncChangeConnection, SyncPreview, SyncRun, SyncRunConnection } from './sync-run.type.js';
import { syncRunView } from './sync-run.view.js';
import { legacyPage, toConnection } from '../connection.js';
import { PORTAL, PORTAL_OR_CONNECTOR } from '../access.js';

/** Sync runs, their change logs, previews and approvals. Thin: the service applies the scope. */
@Resolver(() => SyncRun)
export class SyncResolver {
  @Authorized(...PORTAL_OR_CONNECTOR)
  @Query(() => SyncRunConnection, { description: 'Newest first.' })
  async syncRuns(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SyncRunConnection> {
    const page = await ctx.services.sync.runs(requireCaller(ctx), connectorId, first, after);
    return { ...toConnection(page, syncRunView), ...legacyPage(page) };
  }

  @Authorized(...PORTAL_OR_CONNECTOR)
  @Query(() => SyncRun, { description: "NOT_FOUND when outside the caller's scope." })
  async syncRun(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<SyncRun> {
    return syncRunView(await ctx.services.sync.run(requireCaller(ctx), id));
  }

  @Authorized(...PORTAL)
  @FieldResolver(() => SyncChangeConnection, { description: 'The per-object change log.' })
  async changes(
    @Root() run: SyncRun,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SyncChangeConnection> {
    const page = await ctx.services.sync.changes(run.id, first, after);
    return { ...toConnection(page, (entry) => entry), ...legacyPage(page) };
  }

  @Authorized(...PORTAL)
  @Query(() => SyncPreview, {
    description: 'The changes a sync would make now, with the rule behind each.',
  })
  previewSync(
    @Arg('connectorId', () => ID) connectorId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncPreview> {
    return ctx.services.sync.preview(requireCaller(ctx), connectorId);
  }

  @Authorized(...PORTAL)
  @Mutation(() => SyncRun, {
    description: 'Applies the disables/deletes a NEEDS_APPROVAL run staged.',
  })
  async approveSyncRun(
    @Arg('runId', () => ID) runId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRun> {
    return syncRunView(await ctx.services.sync.decide(requireCaller(ctx), runId, true));
  }

  @Authorized(...PORTAL)
  @Mutation(() => SyncRun, {
    description: 'Drops the disables/deletes a NEEDS_APPROVAL run staged.',
  })
  async rejectSyncRun(
    @Arg('runId', () => ID) runId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRun> {
    return syncRunView(await ctx.services.sync.decide(requireCaller(ctx), runId, false));
  }

  @Authorized(...PORTAL_OR_CONNECTOR)
  @Subscription(() => SyncRun, {
    description: "A connector's runs as they are queued, start and finish.",
    subscribe: ({ args, context }) => {
      const ctx = context as RequestContext;
      return ctx.services.sync.runUpdates(
        requireCaller(ctx),
        (args as { connectorId: string }).connectorId,
      );
    },
  })
  syncRunUpdated(
    @Root() run: Parameters<typeof syncRunView>[0],
    @Arg('connectorId', () => ID) _connectorId: string,
  ): SyncRun {
    return syncRunView(run);
  }
}
