import { ChangeAction, ChangeObjectType } from '../domain/change.js';
import { DirectoryEventType } from '../domain/directory-event.js';
import { ManagedBy, entraKeyOf } from '../domain/directory.js';
import type { FeedCheck } from '../db/models/feed-entry.model.js';

/**
 * A change as the sync engine plans it (structurally its PlannedChange, so this layer needs no
 * import from the engine): what it is, and which directory document its write targets.
 */
export interface FeedChangeInput {
  objectType: ChangeObjectType;
  /** The Entra object id. */
  objectId: string;
  label: string;
  action: ChangeAction;
  rule: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /**
   * `id`: the directory document the write updates (absent for inserts); `members`: a created
   * group's members in scope, when the run has them at hand.
   */
  write: { kind: string; id?: string; members?: Iterable<string> } | null;
}

/** A feed entry before it is numbered. */
export interface FeedEventDraft {
  type: DirectoryEventType;
  objectType: 'USER' | 'GROUP';
  objectId: string | null;
  entraId: string;
  label: string;
  rule: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  members: { added: string[]; removed: string[] } | null;
  check: FeedCheck;
}

/** Members listed per `directory.group.members_changed` event: payloads stay under ~20 KB. */
export const MEMBERS_PER_EVENT = 400;

/** Fields of the directory documents that are the hub's own bookkeeping, not the user's. */
const INTERNAL_FIELDS = new Set(['entra', 'entraKey', 'emailKey']);

/**
 * The feed event a planned change becomes, or null when it is none: a failure, a silent
 * refresh, or a group update that only corrected its member count (memberships are their own
 * events, written where the edges are).
 */
export function draftOf(companyId: string, change: FeedChangeInput): FeedEventDraft | null {
  if (change.action === ChangeAction.ERROR || !change.write) return null;
  if (change.before === null && change.after === null) return null;
  const id = change.write.id ?? null;
  const entraKey = entraKeyOf(companyId, change.objectId);
  if (change.objectType === ChangeObjectType.USER) {
    const type = userEventType(change.action);
    if (!type) return null;
    const before = visible(change.before);
    const after = visible(change.after);
    return {
      ...base(change, type, 'USER', id),
      before,
      after,
      check: { kind: 'user', id, entraKey, fields: primitives(after) },
    };
  }
  return groupDraft(change, id, entraKey);
}

function groupDraft(
  change: FeedChangeInput,
  id: string | null,
  entraKey: string,
): FeedEventDraft | null {
  const check = (fields: Record<string, string | null>): FeedCheck => ({
    kind: 'group',
    id,
    entraKey,
    fields,
  });
  switch (change.action) {
    case ChangeAction.GROUP_CREATE: {
      const named = change.after?.['name'];
      const name = typeof named === 'string' ? named : change.label;
      return {
        ...base(change, DirectoryEventType.GROUP_CREATED, 'GROUP', id),
        before: null,
        after: { name, memberCount: Number(change.after?.['members'] ?? 0) },
        check: check({ name, managedBy: ManagedBy.AZURE_AD }),
      };
    }
    case ChangeAction.GROUP_UPDATE: {
      const renamed = change.after?.['name'];
      if (!change.before || !('name' in change.before) || typeof renamed !== 'string') return null;
      const name = renamed;
      return {
        ...base(change, DirectoryEventType.GROUP_UPDATED, 'GROUP', id),
        before: { name: change.before['name'] },
        after: { name },
        check: check({ name }),
      };
    }
    case ChangeAction.GROUP_REMOVE:
      return {
        ...base(change, DirectoryEventType.GROUP_DELETED, 'GROUP', id),
        before: { managed: true },
        after: { managed: false },
        check: check({ managedBy: null }),
      };
    case ChangeAction.CREATE:
    case ChangeAction.CREATE_PENDING_APPROVAL:
    case ChangeAction.LINK:
    case ChangeAction.UPDATE:
    case ChangeAction.ENABLE:
    case ChangeAction.DISABLE:
    case ChangeAction.DELETE:
    case ChangeAction.ERROR:
      return null;
    default: {
      const unreachable: never = change.action;
      throw new Error(`unknown action ${String(unreachable)}`);
    }
  }
}

/**
 * `directory.group.members_changed` events for memberships that entered (`added`) or left the
 * group's scope, at most MEMBERS_PER_EVENT ids each. `managedGroupKey`: the group is created in
 * the same run, so the memberships count only if it was.
 */
export function memberDrafts(
  companyId: string,
  group: { entraId: string; name: string; id: string | null },
  added: readonly string[],
  removed: readonly string[],
  managedGroupKey: string | null = null,
): FeedEventDraft[] {
  const drafts: FeedEventDraft[] = [];
  const chunk = <T>(list: readonly T[], at: number) => list.slice(at, at + MEMBERS_PER_EVENT);
  const total = Math.max(added.length, removed.length);
  for (let at = 0; at < total; at += MEMBERS_PER_EVENT) {
    drafts.push({
      type: DirectoryEventType.GROUP_MEMBERS_CHANGED,
      objectType: 'GROUP',
      objectId: group.id,
      entraId: group.entraId,
      label: group.name,
      rule: 'syncedGroups',
      before: null,
      after: null,
      members: { added: chunk(added, at), removed: chunk(removed, at) },
      check: { kind: 'members', companyId, groupId: group.entraId, managedGroupKey },
    });
  }
  return drafts;
}

function base(
  change: FeedChangeInput,
  type: DirectoryEventType,
  objectType: 'USER' | 'GROUP',
  id: string | null,
) {
  return {
    type,
    objectType,
    objectId: id,
    entraId: change.objectId,
    label: change.label,
    rule: change.rule,
    members: null,
  };
}

export function userEventType(action: ChangeAction): DirectoryEventType | null {
  switch (action) {
    case ChangeAction.CREATE:
    case ChangeAction.CREATE_PENDING_APPROVAL:
      return DirectoryEventType.USER_CREATED;
    case ChangeAction.LINK:
    case ChangeAction.UPDATE:
      return DirectoryEventType.USER_UPDATED;
    case ChangeAction.ENABLE:
      return DirectoryEventType.USER_ENABLED;
    case ChangeAction.DISABLE:
      return DirectoryEventType.USER_DISABLED;
    case ChangeAction.DELETE:
      return DirectoryEventType.USER_DELETED;
    case ChangeAction.GROUP_CREATE:
    case ChangeAction.GROUP_UPDATE:
    case ChangeAction.GROUP_REMOVE:
    case ChangeAction.ERROR:
      return null;
    default: {
      const unreachable: never = action;
      throw new Error(`unknown action ${String(unreachable)}`);
    }
  }
}

function visible(fields: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!fields) return null;
  const kept = Object.entries(fields).filter(([key]) => !INTERNAL_FIELDS.has(key));
  return kept.length > 0 ? Object.fromEntries(kept) : null;
}

/** The plain values of the fields: what a recovering run compares with the document. */
function primitives(
  fields: Record<string, unknown> | null,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      out[key] = value as string | number | boolean | null;
    }
  }
  return out;
}
