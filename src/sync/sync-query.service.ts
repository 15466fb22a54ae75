import { Types } from 'mongoose';
import { companyScope, connectorScope, parseId, requirePortal } from '../db/access-scope.js';
import type { CompanyModel } from '../db/models/company.model.js';
import type { ConnectorModel } from '../db/models/connector.model.js';
import { edgeOf, edgeRange } from '../db/models/directory-group-member.model.js';
import type { DirectoryGroupDoc } from '../db/models/directory-group.model.js';
import { type DirectoryUserDoc } from '../db/models/directory-user.model.js';
import { CHANGE_CHUNK_SIZE } from '../db/models/sync-change.model.js';
import { unpack } from '../db/models/packed.js';
import type { SyncRunDoc } from '../db/models/sync-run.model.js';
import type { SyncModels } from '../db/models/sync-models.js';
import { CallerRole, type Caller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import { LiveTopic, type LiveEvents } from '../events/live-events.js';
import type { ApprovalService } from './run/approval.service.js';
import type { SyncPreview, SyncPreviewService } from './sync-preview.service.js';
import type {
  DirectoryGroupRecord,
  DirectoryUserRecord,
  DirectoryUserStatus,
  ManagedBy,
} from '../domain/directory.js';
import type { SyncRunRecord } from '../domain/sync-run.js';
import { directoryGroupRecord, directoryUserRecord, syncRunRecord } from './records.js';
import type { ChangeEntry } from '../domain/change.js';

export interface Page<T> {
  nodes: T[];
  /** One opaque cursor per node: `after` it continues past that node. */
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export interface DirectoryUserFilter {
  /** AZURE_AD: managed by a connector; null: managed by hand; undefined: both. */
  managedBy?: ManagedBy | null | undefined;
  status?: DirectoryUserStatus | null | undefined;
  search?: string | null | undefined;
}

const MAX_PAGE = 500;

/**
 * What the GraphQL API reads and does about syncs and the directory, always through the caller's
 * scope (an id outside it is NOT_FOUND, as for connectors). Approvals and previews are portal-only.
 */
export class SyncQueryService {
  constructor(
    private readonly deps: {
      models: SyncModels;
      Connector: ConnectorModel;
      Company: CompanyModel;
      approvals: ApprovalService;
      preview: SyncPreviewService;
      live: LiveEvents;
    },
  ) {}

  async runs(
    caller: Caller,
    connectorId: string,
    first: number,
    after?: string | null,
  ): Promise<Page<SyncRunRecord>> {
    await this.requireConnector(caller, connectorId);
    const limit = pageSize(first);
    const filter = { connectorId, ...(after ? { _id: { $lt: decodeId(after) } } : {}) };
    const [docs, totalCount] = await Promise.all([
      this.deps.models.SyncRun.find(filter)
        .sort({ _id: -1 })
        .limit(limit + 1)
        .lean<SyncRunDoc[]>(),
      this.deps.models.SyncRun.countDocuments({ connectorId }),
    ]);
    return pageOf(docs.map(syncRunRecord), limit, totalCount, (run) => run.id);
  }

  async run(caller: Caller, runId: string): Promise<SyncRunRecord> {
    const run = await this.deps.models.SyncRun.findById(
      parseId(runId, 'Sync run'),
    ).lean<SyncRunDoc>();
    if (!run) throw notFound('Sync run');
    await this.requireConnector(caller, run.connectorId, 'Sync run');
    return syncRunRecord(run);
  }

  /** The run's change log from `after` (an opaque offset), `first` entries. */
  async changes(runId: string, first: number, after?: string | null): Promise<Page<ChangeEntry>> {
    const limit = pageSize(first);
    const offset = after ? decodeOffset(after) : 0;
    const run = await this.deps.models.SyncRun.findById(runId, {
      changeCount: 1,
    }).lean<SyncRunDoc>();
    const total = run?.changeCount ?? 0;
    const firstChunk = Math.floor(offset / CHANGE_CHUNK_SIZE);
    const lastChunk = Math.floor((offset + limit) / CHANGE_CHUNK_SIZE);
    const chunks = await this.deps.models.SyncChangeChunk.find({
      runId,
      chunk: { $gte: firstChunk, $lte: lastChunk },
    })
      .sort({ chunk: 1 })
      .lean();
    const entries = chunks
      .flatMap((chunk) => unpack(chunk.entries))
      .filter((entry) => entry.seq >= offset)
      .slice(0, limit)
      .map(({ pending: _pending, ...entry }) => entry);
    const end = offset + entries.length;
    return {
      nodes: entries,
      cursors: entries.map((entry) => encodeOffset(entry.seq + 1)),
      hasNextPage: end < total,
      endCursor: entries.length > 0 ? encodeOffset(end) : (after ?? null),
      totalCount: total,
    };
  }

  async directoryUsers(
    caller: Caller,
    companyId: string,
    filter: DirectoryUserFilter,
    first: number,
    after?: string | null,
  ): Promise<Page<DirectoryUserRecord>> {
    await this.requireCompany(caller, companyId);
    const limit = pageSize(first);
    const query: Record<string, unknown> = { companyId };
    if (filter.managedBy !== undefined) query['managedBy'] = filter.managedBy;
    if (filter.status) query['status'] = filter.status;
    const term = filter.search?.trim();
    if (term) {
      const pattern = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      query['$or'] = [{ email: pattern }, { displayName: pattern }];
    }
    const paged = after ? { $and: [query, { _id: { $gt: decodeId(after) } }] } : query;
    const [docs, totalCount] = await Promise.all([
      this.deps.models.DirectoryUser.find(paged)
        .sort({ _id: 1 })
        .limit(limit + 1)
        .lean<DirectoryUserDoc[]>(),
      this.deps.models.DirectoryUser.countDocuments(query),
    ]);
    return pageOf(docs.map(directoryUserRecord), limit, totalCount, (user) => user.id);
  }

  async directoryGroups(caller: Caller, companyId: string): Promise<DirectoryGroupRecord[]> {
    await this.requireCompany(caller, companyId);
    const docs = await this.deps.models.DirectoryGroup.find({ companyId })
      .sort({ name: 1 })
      .lean<DirectoryGroupDoc[]>();
    return docs.map(directoryGroupRecord);
  }

  /** The Entra ids of a directory group's members (its in-scope memberships), sorted. */
  async groupMemberIds(caller: Caller, companyId: string, groupEntraId: string): Promise<string[]> {
    await this.requireCompany(caller, companyId);
    const edges = await this.deps.models.DirectoryGroupMember.find(
      { _id: edgeRange(companyId, groupEntraId), inScope: true },
      { _id: 1 },
    ).lean<{ _id: string }[]>();
    return edges.map((edge) => edgeOf(edge._id).userId).sort();
  }

  async preview(caller: Caller, connectorId: string): Promise<SyncPreview> {
    await this.requireConnector(requirePortal(caller), connectorId);
    return this.deps.preview.preview(connectorId);
  }

  async decide(caller: Caller, runId: string, approve: boolean): Promise<SyncRunRecord> {
    const portal = requirePortal(caller);
    await this.run(portal, runId);
    return syncRunRecord(await this.deps.approvals.decide(runId, approve, portal.subject));
  }

  /** Run updates of one connector (access checked first), each as the run's current state. */
  async runUpdates(
    caller: Caller,
    connectorId: string,
  ): Promise<AsyncIterableIterator<SyncRunRecord>> {
    await this.requireConnector(caller, connectorId);
    const events = this.deps.live.subscribe(
      LiveTopic.SYNC_RUN_UPDATED,
      (event) => event.connectorId === connectorId,
    );
    const models = this.deps.models;
    async function* runs(): AsyncGenerator<SyncRunRecord> {
      try {
        for await (const event of events) {
          const run = await models.SyncRun.findById(event.runId).lean<SyncRunDoc>();
          if (run) yield syncRunRecord(run);
        }
      } finally {
        await events.return?.();
      }
    }
    return runs();
  }

  private async requireConnector(
    caller: Caller,
    connectorId: string,
    what = 'Connector',
  ): Promise<void> {
    const id = parseId(connectorId, what);
    const found = await this.deps.Connector.exists({ $and: [{ _id: id }, connectorScope(caller)] });
    if (!found) throw notFound(what);
  }

  private async requireCompany(caller: Caller, companyId: string): Promise<void> {
    if (caller.role === CallerRole.CONNECTOR) {
      throw new AppError(ErrorCode.FORBIDDEN, 'A connector token cannot read the directory');
    }
    const id = parseId(companyId, 'Company');
    const found = await this.deps.Company.exists({ $and: [{ _id: id }, companyScope(caller)] });
    if (!found) throw notFound('Company');
  }
}

function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `first: must be between 1 and ${MAX_PAGE}`, {
      details: { field: 'first' },
    });
  }
  return first;
}

function pageOf<T>(
  docs: T[],
  limit: number,
  totalCount: number,
  cursor: (doc: T) => string,
): Page<T> {
  const nodes = docs.slice(0, limit);
  const cursors = nodes.map((node) => Buffer.from(cursor(node)).toString('base64url'));
  return {
    nodes,
    cursors,
    hasNextPage: docs.length > limit,
    endCursor: cursors[cursors.length - 1] ?? null,
    totalCount,
  };
}

function decodeId(cursor: string): Types.ObjectId {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{24}$/.test(raw)) throw invalidCursor();
  return new Types.ObjectId(raw);
}

const encodeOffset = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');

function decodeOffset(cursor: string): number {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalidCursor();
  return Number(match[1]);
}

function invalidCursor(): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, 'after: not a cursor from a previous page', {
    details: { field: 'after' },
  });
}
