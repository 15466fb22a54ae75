import type { Logger } from 'pino';
import { groupEdges } from '../db/models/directory-group-member.model.js';
import type { SyncModels } from '../db/models/sync-models.js';
import { entraKeyOf } from '../domain/directory.js';
import { ChangeAction } from '../domain/change.js';
import {
  draftOf,
  memberDrafts,
  MEMBERS_PER_EVENT,
  type FeedChangeInput,
  type FeedEventDraft,
} from './feed-events.js';
import { recoverPending, type RecoveryOutcome } from './feed-recovery.js';
import type { FeedStore } from './feed-store.js';

export type { FeedChangeInput };

/** Announces a company's new watermark (the live event that wakes deliveries and readers). */
export type FeedNotifier = (event: {
  companyId: string;
  connectorId: string;
  committed: number;
}) => Promise<void>;

/** Entries staged before a batch of directory writes, committed (or dropped) after it. */
export interface StagedBatch {
  readonly size: number;
  /** `failed`: the inputs whose write failed; their entries are dropped, the rest visible. */
  commit(failed?: (change: FeedChangeInput) => boolean): Promise<void>;
}

interface Staged {
  id: string;
  change: FeedChangeInput | null;
  /** The first number of the insert that staged it (its range in `unwritten`). */
  range: number;
}

/** A draft and the planned change it announces (null: a membership event of its own). */
interface Owned {
  draft: FeedEventDraft;
  change: FeedChangeInput | null;
}

/** When entries are stamped, and how long they are kept (null: for ever). */
export interface FeedPolicy {
  now: () => Date;
  retentionMs: number | null;
}

/** Numbers one writer trims at most (the next run goes on): a few reads and deletes per run. */
const TRIM_PER_WRITER = 5_000;

/** A selected group whose memberships change (`managed`: it is a directory group already). */
export interface FeedMemberGroup {
  entraId: string;
  name: string;
  id: string | null;
  managed: boolean;
}

export interface FeedMemberChange {
  group: FeedMemberGroup;
  added: readonly string[];
  removed: readonly string[];
}

/**
 * Entries per feed insert, weighed: 1 an entry, plus 1 per 40 member ids it names (a member
 * event of 400 ids weighs 11), so an insert stays around a megabyte.
 */
const INSERT_WEIGHT = 1_000;

const EMPTY: StagedBatch = { size: 0, commit: () => Promise.resolve() };

/**
 * A company's feed as one writer (a sync run or an approval, under the connector's run lock)
 * appends to it: the outbox. Before a batch of directory writes its entries are inserted with
 * the next numbers, above the watermark, where no reader looks; after the writes the failed ones
 * are marked dropped and the watermark moves past the batch. A writer that dies in between leaves
 * them staged; the next writer resolves them first (`recover`) by reading the directory.
 */
export class FeedWriter {
  private next: number | null = null;
  /**
   * Numbers handed out whose directory writes are not done: first -> last of each insert.
   * Groups are written concurrently, so a batch that finishes first must not make an earlier
   * one, still being written, visible: the watermark stops below the lowest of these.
   */
  private readonly unwritten = new Map<number, number>();
  private visible = 0;
  private recovering: Promise<RecoveryOutcome> | null = null;

  constructor(
    private readonly store: FeedStore,
    private readonly models: Pick<
      SyncModels,
      'DirectoryUser' | 'DirectoryGroup' | 'DirectoryGroupMember'
    >,
    private readonly context: { companyId: string; connectorId: string; runId: string | null },
    private readonly notify: FeedNotifier,
    private readonly policy: FeedPolicy,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {}

  /** Resolves what a dead writer left staged; once per writer (later calls share the result). */
  recover(): Promise<RecoveryOutcome> {
    this.recovering ??= (async () => {
      const outcome = await recoverPending(this.store, this.models, this.context.companyId);
      this.next = outcome.committed + 1;
      this.visible = outcome.committed;
      await this.trimExpired();
      if (outcome.pending > 0) {
        this.logger.warn(
          { companyId: this.context.companyId, ...outcome },
          'feed entries a stopped run left staged were resolved',
        );
        await this.announce(outcome.committed);
      }
      return outcome;
    })();
    return this.recovering;
  }

  /**
   * Stages the feed entries of planned changes about to be written. A created group is followed
   * by its in-scope memberships: the ones the run listed, else read from the store.
   */
  async stageChanges(changes: readonly FeedChangeInput[]): Promise<StagedBatch> {
    const staged: Staged[] = [];
    // Few inserts for the batch's entries (a run's batch holds hundreds of changes, a first sync
    // hundreds of groups with their members), in order, each of bounded size.
    let pending: Owned[] = [];
    let weight = 0;
    const flush = async () => {
      staged.push(...(await this.insert(pending)));
      pending = [];
      weight = 0;
    };
    const push = async (owned: Owned) => {
      pending.push(owned);
      const members = owned.draft.members;
      weight += 1 + (members ? (members.added.length + members.removed.length) / 40 : 0);
      if (weight >= INSERT_WEIGHT) await flush();
    };
    for (const change of changes) {
      const draft = draftOf(this.context.companyId, change);
      if (!draft) continue;
      await push({ draft, change });
      if (change.action !== ChangeAction.GROUP_CREATE) continue;
      for await (const drafts of this.initialMemberDrafts(change)) {
        for (const member of drafts) await push({ draft: member, change });
      }
    }
    await flush();
    return this.batch(staged);
  }

  /**
   * Membership changes of several groups about to be written together, in one insert. A group
   * not `managed` is not (yet) a directory group: its memberships are announced when it is
   * created.
   */
  async stageMemberChanges(changes: readonly FeedMemberChange[]): Promise<StagedBatch> {
    const drafts = changes.flatMap(({ group, added, removed }) =>
      group.managed ? memberDrafts(this.context.companyId, group, added, removed) : [],
    );
    if (drafts.length === 0) return EMPTY;
    return this.batch(await this.insert(drafts.map((draft) => ({ draft, change: null }))));
  }

  /** A created group's members in scope, as member events of MEMBERS_PER_EVENT ids. */
  private async *initialMemberDrafts(change: FeedChangeInput): AsyncGenerator<FeedEventDraft[]> {
    const { companyId } = this.context;
    const group = { entraId: change.objectId, name: change.label, id: change.write?.id ?? null };
    const key = entraKeyOf(companyId, change.objectId);
    let added: string[] = [];
    for await (const userId of change.write?.members ?? this.storedMembers(change.objectId)) {
      added.push(userId);
      if (added.length < MEMBERS_PER_EVENT) continue;
      yield memberDrafts(companyId, group, added, [], key);
      added = [];
    }
    if (added.length > 0) yield memberDrafts(companyId, group, added, [], key);
  }

  /** A group's stored edges in scope (written earlier in the run), streamed. */
  private async *storedMembers(groupId: string): AsyncGenerator<string> {
    const model = this.models.DirectoryGroupMember;
    for await (const edge of groupEdges(model, this.context.companyId, groupId)) {
      if (edge.inScope) yield edge.userId;
    }
  }

  private async insert(owned: readonly Owned[]): Promise<Staged[]> {
    if (owned.length === 0) return [];
    const drafts = owned.map((o) => o.draft);
    this.signal?.throwIfAborted();
    await this.recover();
    const first = this.next!;
    // Numbered before the insert: a failed insert leaves at most a prefix, which recovery sees.
    this.next = first + drafts.length;
    this.unwritten.set(first, this.next - 1);
    const docs = await this.store.insert(
      this.context.companyId,
      this.context,
      drafts,
      first,
      this.policy.now(),
    );
    return docs.map((doc, i) => ({ id: doc._id, change: owned[i]!.change, range: first }));
  }

  /** Retention, under the run lock: nothing else writes this company's feed meanwhile. */
  private async trimExpired(): Promise<void> {
    if (this.policy.retentionMs === null) return;
    const cutoff = new Date(this.policy.now().getTime() - this.policy.retentionMs);
    const trimmed = await this.store.trimBefore(this.context.companyId, cutoff, TRIM_PER_WRITER);
    this.logger.debug({ companyId: this.context.companyId, trimmed }, 'feed trimmed');
  }

  private batch(staged: Staged[]): StagedBatch {
    if (staged.length === 0) return EMPTY;
    return {
      size: staged.length,
      commit: async (failed) => {
        const dropped = failed
          ? staged.filter((s) => s.change !== null && failed(s.change)).map((s) => s.id)
          : [];
        await this.store.markDropped(dropped);
        for (const s of staged) this.unwritten.delete(s.range);
        const lowest = Math.min(...this.unwritten.keys());
        const upTo = Number.isFinite(lowest) ? lowest - 1 : this.next! - 1;
        if (upTo <= this.visible) return;
        this.visible = upTo;
        await this.store.commit(this.context.companyId, upTo);
        await this.announce(upTo);
      },
    };
  }

  private async announce(committed: number): Promise<void> {
    try {
      const { companyId, connectorId } = this.context;
      await this.notify({ companyId, connectorId, committed });
    } catch (error) {
      // The entries are committed; deliveries also find them by polling.
      this.logger.warn(
        { err: error, companyId: this.context.companyId },
        'feed commit not announced',
      );
    }
  }
}
