import { Types } from 'mongoose';
import { edgeOf, groupMemberKey } from '../db/models/directory-group-member.model.js';
import type { FeedCheck, FeedEntryDoc, PlainFields } from '../db/models/feed-entry.model.js';
import type { SyncModels } from '../db/models/sync-models.js';
import type { FeedStore } from './feed-store.js';

/** Entries probed per read past the watermark. */
const PROBE = 500;

export interface RecoveryOutcome {
  /** Entries a run staged and never committed (it died, or lost its lock, in between). */
  pending: number;
  /** Of those, the ones whose write never reached the directory. */
  dropped: number;
  /** The watermark after recovery. */
  committed: number;
}

type Verdict = { keep: true; members?: { added: string[]; removed: string[] } } | { keep: false };

/**
 * Resolves the entries a dead run left staged above a company's watermark: each is kept if the
 * directory shows its write (a membership event keeps just the memberships that took effect),
 * dropped otherwise; then the watermark moves past them. Runs under the company's run lock, before
 * the run writes anything, so the directory holds exactly what the dead run wrote. A run stages
 * one batch at a time and commits it before the next, so only the last batch can be pending.
 */
export async function recoverPending(
  store: FeedStore,
  models: Pick<SyncModels, 'DirectoryUser' | 'DirectoryGroup' | 'DirectoryGroupMember'>,
  companyId: string,
): Promise<RecoveryOutcome> {
  const { committed } = await store.head(companyId);
  let last = committed;
  let pending = 0;
  const dropped: string[] = [];
  for (;;) {
    const docs = await store.range(companyId, last + 1, last + PROBE);
    let contiguous = 0;
    for (const doc of docs) {
      // Entries are inserted in order, so a dead run leaves a contiguous run of them.
      if (doc.seq !== last + 1) break;
      last = doc.seq;
      contiguous += 1;
      if (doc.dropped) continue;
      pending += 1;
      const verdict = await judge(models, doc.check, doc);
      if (!verdict.keep) dropped.push(doc._id);
      else if (verdict.members) {
        await store.setMembers(doc._id, verdict.members);
      }
    }
    if (contiguous < PROBE) break;
  }
  if (last > committed) {
    await store.markDropped(dropped);
    await store.commit(companyId, last);
  }
  return { pending, dropped: dropped.length, committed: last };
}

async function judge(
  models: Pick<SyncModels, 'DirectoryUser' | 'DirectoryGroup' | 'DirectoryGroupMember'>,
  check: FeedCheck,
  doc: FeedEntryDoc,
): Promise<Verdict> {
  switch (check.kind) {
    case 'user': {
      const filter = byIdOrKey(check.id, check.entraKey);
      const user = await models.DirectoryUser.findOne(filter).lean<Record<string, unknown>>();
      return { keep: !!user && matches(user, check.fields) };
    }
    case 'group': {
      const filter = byIdOrKey(check.id, check.entraKey);
      const group = await models.DirectoryGroup.findOne(filter).lean<Record<string, unknown>>();
      return { keep: !!group && matches(group, check.fields) };
    }
    case 'members':
      return judgeMembers(models, check, doc);
    default: {
      const unreachable: never = check;
      throw new Error(`unknown feed check ${String(unreachable)}`);
    }
  }
}

async function judgeMembers(
  models: Pick<SyncModels, 'DirectoryGroup' | 'DirectoryGroupMember'>,
  check: Extract<FeedCheck, { kind: 'members' }>,
  doc: FeedEntryDoc,
): Promise<Verdict> {
  if (check.managedGroupKey) {
    const group = await models.DirectoryGroup.findOne(
      { entraKey: check.managedGroupKey },
      { managedBy: 1 },
    ).lean();
    if (!group?.managedBy) return { keep: false };
  }
  const listed = doc.members ?? { added: [], removed: [] };
  const ids = [...listed.added, ...listed.removed].map((userId) =>
    groupMemberKey(check.companyId, check.groupId, userId),
  );
  const edges = await models.DirectoryGroupMember.find(
    { _id: { $in: ids } },
    { inScope: 1 },
  ).lean();
  const inScope = new Set(edges.filter((e) => e.inScope).map((e) => edgeOf(e._id).userId));
  const members = {
    added: listed.added.filter((id) => inScope.has(id)),
    removed: listed.removed.filter((id) => !inScope.has(id)),
  };
  if (members.added.length + members.removed.length === 0) return { keep: false };
  return { keep: true, members };
}

function byIdOrKey(id: string | null, entraKey: string): Record<string, unknown> {
  return id && /^[0-9a-f]{24}$/i.test(id) ? { _id: new Types.ObjectId(id) } : { entraKey };
}

function matches(doc: Record<string, unknown>, fields: PlainFields): boolean {
  return Object.entries(fields).every(([key, value]) => (doc[key] ?? null) === value);
}
