import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CallerRole, type Caller } from '../domain/caller.js';
import { isAppError } from '../domain/errors.js';
import type { CredentialRevokedEvent } from '../events/live-events.js';
import { callerKey } from './abuse-limits.js';
import type { Authentication, Authenticator } from './auth.js';
import type { Services } from './services.js';

/** graphql-ws close codes (4401 Unauthorized, 4403 Forbidden are the library's conventions). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** How long a socket's credential counts as checked; revocation events close sockets sooner. */
export const CREDENTIAL_RECHECK_MS = 15_000;

export type WsExtra = { request: IncomingMessage; socket: WebSocket };

export interface WsSession {
  socket: WebSocket;
  caller: Caller;
  /** The credential as sent, kept in memory only, to check it again. */
  header: string;
  checkedAt: number;
  expiryTimer?: NodeJS.Timeout;
  /** graphql-ws's running operations of this socket. */
  operations: () => number;
}

/**
 * The authenticated sockets of this instance: who opened each, how many a caller holds, when
 * a credential was last checked, and closing the ones a revocation covers.
 */
export class WsSessions {
  private readonly sessions = new Map<object, WsSession>();

  constructor(
    private readonly authenticator: Authenticator,
    private readonly services: Services,
    private readonly recheckMs = CREDENTIAL_RECHECK_MS,
  ) {}

  get(extra: WsExtra): WsSession | undefined {
    return this.sessions.get(extra);
  }

  ofCaller(caller: Caller): WsSession[] {
    const key = callerKey(caller);
    return [...this.sessions.values()].filter((s) => callerKey(s.caller) === key);
  }

  /** A JWT closes its socket when it expires (4401): a session never outlives its token. */
  open(extra: WsExtra, auth: Authentication, header: string, operations: () => number): void {
    const session: WsSession = {
      socket: extra.socket,
      caller: auth.caller,
      header,
      checkedAt: Date.now(),
      operations,
    };
    if (auth.expiresAt) {
      const ms = Math.max(0, auth.expiresAt.getTime() - Date.now());
      session.expiryTimer = setTimeout(
        () => extra.socket.close(CLOSE_UNAUTHORIZED, 'Session expired'),
        Math.min(ms, 2_147_000_000),
      );
      session.expiryTimer.unref();
    }
    this.sessions.set(extra, session);
  }

  close(extra: WsExtra): void {
    clearTimeout(this.sessions.get(extra)?.expiryTimer);
    this.sessions.delete(extra);
  }

  revoke(event: CredentialRevokedEvent): void {
    for (const session of this.sessions.values()) {
      if (revokes(event, session.caller))
        session.socket.close(CLOSE_FORBIDDEN, 'Credential revoked');
    }
  }

  /** The credential is still valid (checked again once `recheckMs` has passed). */
  async stillValid(session: WsSession): Promise<boolean> {
    if (Date.now() - session.checkedAt < this.recheckMs) return true;
    try {
      const auth = await this.authenticator.authenticate(session.header);
      if (!auth || callerKey(auth.caller) !== callerKey(session.caller)) return false;
      if (auth.caller.role === CallerRole.COMPANY_ADMIN) {
        if (!(await this.services.companies.exists(auth.caller.companyId))) return false;
      }
      session.checkedAt = Date.now();
      return true;
    } catch (error) {
      if (!isAppError(error)) throw error;
      return false;
    }
  }
}

/** Whether a revocation covers the credential a socket was opened with. */
function revokes(event: CredentialRevokedEvent, caller: Caller): boolean {
  switch (caller.role) {
    case CallerRole.CONNECTOR:
      return event.connectorId === ''
        ? event.companyId === caller.companyId
        : event.connectorId === caller.connectorId;
    case CallerRole.COMPANY_ADMIN:
      return event.connectorId === '' && event.companyId === caller.companyId;
    case CallerRole.PARTNER_ADMIN:
      return false;
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}
