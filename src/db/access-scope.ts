import { Types, type QueryFilter } from 'mongoose';
import { CallerRole, type Caller, type PortalCaller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import type { CompanyDoc } from './models/company.model.js';
import type { ConnectorDoc } from './models/connector.model.js';

/**
 * Every read and write of a company or connector goes through these filters, so an id outside
 * the caller's scope simply matches nothing and the caller gets NOT_FOUND: they cannot tell
 * "exists but not yours" from "does not exist". Uninstalled connectors are outside every scope:
 * they, their runs and their change logs answer NOT_FOUND to every query.
 */
export function connectorScope(caller: Caller): QueryFilter<ConnectorDoc> {
  switch (caller.role) {
    case CallerRole.PARTNER_ADMIN:
      return { partnerId: caller.partnerId, uninstalledAt: null };
    case CallerRole.COMPANY_ADMIN:
      return { companyId: objectIdOrNull(caller.companyId), uninstalledAt: null };
    case CallerRole.CONNECTOR:
      return { _id: objectIdOrNull(caller.connectorId), uninstalledAt: null };
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}

export function companyScope(caller: PortalCaller): QueryFilter<CompanyDoc> {
  switch (caller.role) {
    case CallerRole.PARTNER_ADMIN:
      return { partnerId: caller.partnerId };
    case CallerRole.COMPANY_ADMIN:
      return { _id: objectIdOrNull(caller.companyId) };
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}

/** Portal-only operations: a connector token is authenticated but may not do them. */
export function requirePortal(caller: Caller): PortalCaller {
  if (caller.role === CallerRole.CONNECTOR) {
    throw new AppError(ErrorCode.FORBIDDEN, 'A connector token cannot perform this operation');
  }
  return caller;
}

/** Ids are ObjectIds; anything else cannot exist, which is NOT_FOUND rather than a bad input. */
export function parseId(id: string, what: string): Types.ObjectId {
  const parsed = objectIdOrNull(id);
  if (!parsed) throw notFound(what);
  return parsed;
}

function objectIdOrNull(id: string): Types.ObjectId | null {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}
