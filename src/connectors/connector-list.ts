import { Types, type QueryFilter } from 'mongoose';
import { connectorScope, parseId, requirePortal } from '../db/access-scope.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { Caller } from '../domain/caller.js';
import { ConnectorStatus } from '../domain/connector.js';
import { badInput } from '../domain/errors.js';
import { intInRange } from './input-rules.js';

export interface ListConnectorsFilter {
  companyId?: string | null;
  status?: ConnectorStatus | null;
  /** Connectors whose client secret expires within this many days (or has expired). */
  secretExpiresWithinDays?: number | null;
  /** Page size, 1..MAX_CONNECTOR_PAGE (default DEFAULT_CONNECTOR_PAGE). */
  first?: number | null;
  /**
   * A cursor from a previous page; for one release also the bare id of the previous page's last
   * connector (what `after` meant while `connectors` was a plain list).
   */
  after?: string | null;
}

export interface ConnectorPage {
  nodes: ConnectorDoc[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** Connectors matching the filters, on every page. */
  totalCount: number;
}

export const MAX_CONNECTOR_PAGE = 1_000;
export const DEFAULT_CONNECTOR_PAGE = 100;
const DAY_MS = 86_400_000;
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * A page of the connectors in the caller's scope (never uninstalled ones), oldest first. By id:
 * ObjectIds grow with creation time, and a cursor continues exactly where a page ended.
 */
export async function listConnectors(
  Connector: ConnectorModel,
  caller: Caller,
  filter: ListConnectorsFilter,
  now: Date,
): Promise<ConnectorPage> {
  // A connector token reads its own connector by id (`connector(id)`), nothing wider.
  const portal = requirePortal(caller);
  const and: QueryFilter<ConnectorDoc>[] = [connectorScope(portal), { uninstalledAt: null }];
  if (filter.companyId != null) and.push({ companyId: parseId(filter.companyId, 'Company') });
  // Never saved is stored as null (src/domain/connector.ts, shownStatus).
  if (filter.status != null) {
    and.push({ status: filter.status === ConnectorStatus.NOT_SAVED ? null : filter.status });
  }
  if (filter.secretExpiresWithinDays != null) {
    const days = intInRange('secretExpiresWithinDays', filter.secretExpiresWithinDays, 0, 3650);
    const until = new Date(now.getTime() + days * DAY_MS);
    and.push({ clientSecretExpiresAt: { $ne: null, $lte: until } });
  }
  const first = intInRange('first', filter.first ?? DEFAULT_CONNECTOR_PAGE, 1, MAX_CONNECTOR_PAGE);
  const paged =
    filter.after != null
      ? [...and, { _id: { $gt: new Types.ObjectId(afterId(filter.after)) } }]
      : and;
  const [docs, totalCount] = await Promise.all([
    Connector.find({ $and: paged })
      .sort({ _id: 1 })
      .limit(first + 1)
      .lean<ConnectorDoc[]>(),
    Connector.countDocuments({ $and: and }),
  ]);
  const nodes = docs.slice(0, first);
  const cursors = nodes.map((doc) => connectorCursor(doc._id.toHexString()));
  return {
    nodes,
    cursors,
    hasNextPage: docs.length > first,
    endCursor: cursors[cursors.length - 1] ?? null,
    totalCount,
  };
}

export const connectorCursor = (id: string): string =>
  Buffer.from(`connector:${id}`).toString('base64url');

/** The id a cursor continues after; a bare id is the deprecated form of `after`. */
function afterId(after: string): string {
  if (OBJECT_ID.test(after)) return after;
  const decoded = /^connector:([0-9a-f]{24})$/i.exec(Buffer.from(after, 'base64url').toString());
  if (!decoded) throw badInput('after', 'not a cursor from a previous page');
  return decoded[1]!;
}
