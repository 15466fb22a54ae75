import type { Logger } from 'pino';
import type { Caller } from '../domain/caller.js';
import type { AppError } from '../domain/errors.js';
import type { Services } from './services.js';
import { unauthenticated } from './auth.js';

/**
 * What every resolver receives. Resolvers take services from here (never mongoose or Graph), and
 * pass the caller to them: services apply the access scope.
 */
export interface RequestContext {
  caller: Caller | null;
  /** Why authentication failed, surfaced by `requireCaller` (the context itself never throws). */
  authError: AppError | null;
  services: Services;
  logger: Logger;
  requestId: string;
}

/** The authenticated caller, or UNAUTHENTICATED. */
export function requireCaller(context: RequestContext): Caller {
  if (context.caller) return context.caller;
  throw context.authError ?? unauthenticated();
}
