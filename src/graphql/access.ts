import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { CallerRole } from '../domain/caller.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import { requireCaller, type RequestContext } from '../server/context.js';

/**
 * Who may use which field: every Query, Mutation and Subscription field (and every field that
 * reveals directory contents) carries `@Authorized(...)` with one of these. Services still apply
 * the scope (which company, which connector); this decides the kind of caller. docs/security.md
 * has the table; test/security/field-access.test.ts walks the schema against it.
 */
export const PORTAL = [CallerRole.PARTNER_ADMIN, CallerRole.COMPANY_ADMIN] as const;
/** Portal admins, and a connector's own token (scoped to that connector by the services). */
export const PORTAL_OR_CONNECTOR = [...PORTAL, CallerRole.CONNECTOR] as const;
export const PARTNER_ONLY = [CallerRole.PARTNER_ADMIN] as const;

export const authChecker: AuthChecker<RequestContext, CallerRole> = ({ context }, roles) => {
  const caller = requireCaller(context);
  if (roles.includes(caller.role)) return true;
  throw new AppError(
    ErrorCode.FORBIDDEN,
    caller.role === CallerRole.CONNECTOR
      ? 'A connector token cannot perform this operation'
      : 'Not allowed for this role',
  );
};

/**
 * Deny by default: the schema is not built when an operation has no rule, so a new field cannot
 * ship open by accident.
 */
export function assertEveryOperationHasAccessRule(): void {
  const storage = getMetadataStorage();
  const handlers = [...storage.queries, ...storage.mutations, ...storage.subscriptions];
  const missing = handlers
    .filter((handler) => !handler.roles)
    .map((handler) => `${handler.target.name}.${handler.methodName}`);
  if (missing.length > 0) {
    throw new Error(`GraphQL operations without an @Authorized rule: ${missing.join(', ')}`);
  }
}
