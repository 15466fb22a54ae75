/**
 * Who is calling the hub. Portal users arrive with a JWT (a partner admin manages every company
 * of one partner, a company admin one company); a connector arrives with its own authentication
 * token and may only read itself and ask for a sync.
 */
export enum CallerRole {
  PARTNER_ADMIN = 'PARTNER_ADMIN',
  COMPANY_ADMIN = 'COMPANY_ADMIN',
  CONNECTOR = 'CONNECTOR',
}

export type Caller =
  | { role: CallerRole.PARTNER_ADMIN; subject: string; partnerId: string }
  | { role: CallerRole.COMPANY_ADMIN; subject: string; companyId: string }
  | { role: CallerRole.CONNECTOR; connectorId: string; companyId: string };

export type PortalCaller = Exclude<Caller, { role: CallerRole.CONNECTOR }>;

export const PORTAL_ROLES = [CallerRole.PARTNER_ADMIN, CallerRole.COMPANY_ADMIN] as const;

export function isPortalCaller(caller: Caller): caller is PortalCaller {
  return caller.role !== CallerRole.CONNECTOR;
}

/** A short, secret-free description for log lines. */
export function describeCaller(caller: Caller): Record<string, string> {
  switch (caller.role) {
    case CallerRole.PARTNER_ADMIN:
      return { role: caller.role, subject: caller.subject, partnerId: caller.partnerId };
    case CallerRole.COMPANY_ADMIN:
      return { role: caller.role, subject: caller.subject, companyId: caller.companyId };
    case CallerRole.CONNECTOR:
      return { role: caller.role, connectorId: caller.connectorId };
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}
