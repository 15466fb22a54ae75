import { Types, type QueryFilter } from 'mongoose';
import { connectorScope, parseId, requirePortal } from '../db/access-scope.js';
import type { ConnectorDoc, ConnectorModel } from '../db/models/connector.model.js';
import type { Caller } from '../domain/caller.js';
import type { ConnectorStatus } from '../domain/connector.js';
import { badInput } from '../domain/errors.js';
import { intInRange } from './input-rules.js';

export interface ListConnectorsFilter {
  companyId?: string | null;
  status?: ConnectorStatus | null;
  /** Connectors whose client secret expires within this many days (or has expired). */
  secretExpiresWithinDays?: number | null;
  /** Page size, 1..MAX_CONNECTOR_PAGE (default MAX_CONNECTOR_PAGE). */
  first?: number | null;
  /** The id of the last connector of the previous page. */
  after?: string | null;
}

export const MAX_CONNECTOR_PAGE = 1_000;
const DAY_MS = 86_400_000;

/** A page of the connectors in the caller's scope (never uninstalled ones), oldest first. */
export async function listConnectors(
  Connector: ConnectorModel,
  caller: Caller,
  filter: ListConnectorsFilter,
  now: Date,
): Promise<ConnectorDoc[]> {
  // A connector token reads its own connector by id (`connector(id)`), nothing wider.
  const portal = requirePortal(caller);
  const and: QueryFilter<ConnectorDoc>[] = [connectorScope(portal), { uninstalledAt: null }];
  if (filter.companyId != null) and.push({ companyId: parseId(filter.companyId, 'Company') });
  if (filter.status != null) and.push({ status: filter.status });
  if (filter.secretExpiresWithinDays != null) {
    const days = intInRange('secretExpiresWithinDays', filter.secretExpiresWithinDays, 0, 3650);
    const until = new Date(now.getTime() + days * DAY_MS);
    and.push({ clientSecretExpiresAt: { $ne: null, $lte: until } });
  }
  if (filter.after != null) {
    const after = /^[0-9a-f]{24}$/i.test(filter.after) ? filter.after : null;
    if (!after) throw badInput('after', 'not a connector id from a previous page');
    and.push({ _id: { $gt: new Types.ObjectId(after) } });
  }
  const first = intInRange('first', filter.first ?? MAX_CONNECTOR_PAGE, 1, MAX_CONNECTOR_PAGE);
  // By id: ObjectIds grow with creation time, and `after` continues exactly where a page ended.
  return Connector.find({ $and: and }).sort({ _id: 1 }).limit(first).lean<ConnectorDoc[]>();
}
