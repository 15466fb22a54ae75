import { companyScope, parseId, requirePortal } from '../db/access-scope.js';
import type { CompanyDoc, CompanyModel } from '../db/models/company.model.js';
import type { Caller, PortalCaller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';

/**
 * The company a portal caller names, if it is in their scope (a partner admin's companies, a
 * company admin's own); NOT_FOUND otherwise, exactly like a company that does not exist. The
 * feed and the webhooks are directory contents: a connector token is refused.
 */
export async function companyInScope(
  Company: CompanyModel,
  caller: Caller,
  companyId: string,
): Promise<{ caller: PortalCaller; company: Pick<CompanyDoc, '_id' | 'partnerId'> }> {
  let portal: PortalCaller;
  try {
    portal = requirePortal(caller);
  } catch {
    throw new AppError(ErrorCode.FORBIDDEN, 'A connector token cannot read the change feed');
  }
  const id = parseId(companyId, 'Company');
  const company = await Company.findOne(
    { $and: [{ _id: id }, companyScope(portal)] },
    { _id: 1, partnerId: 1 },
  ).lean<Pick<CompanyDoc, '_id' | 'partnerId'>>();
  if (!company) throw notFound('Company');
  return { caller: portal, company };
}
