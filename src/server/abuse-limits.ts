import type { IncomingMessage } from 'node:http';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import {
  RateLimiterMemory,
  RateLimiterMongo,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { CallerRole, type Caller } from '../domain/caller.js';

export interface AbuseLimitSettings {
  /** Requests per minute per client IP without valid credentials; 0 = unlimited. */
  anonymousPerMinute: number;
  /** GraphQL operations per minute per caller (HTTP and WebSocket together); 0 = unlimited. */
  callerPerMinute: number;
  /** Open WebSocket connections per caller on one instance; 0 = unlimited. */
  wsConnectionsPerCaller: number;
  /** Running WebSocket operations per caller on one instance; 0 = unlimited. */
  wsSubscriptionsPerCaller: number;
  /** Reverse proxies whose X-Forwarded-For entry is trusted (0: the socket's address). */
  trustedProxyHops: number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const RATE_LIMIT_COLLECTION = 'rate_limits';
const WINDOW_SECONDS = 60;
const ALLOWED: Admission = { allowed: true };

/**
 * Request budgets per client IP (unauthenticated) and per caller, counted with
 * rate-limiter-flexible in the hub's own database so every instance shares them
 * (https://github.com/animir/node-rate-limiter-flexible/wiki/Mongo). A key that ran out is then
 * refused from memory until its window ends, so a flood costs no database writes; while the
 * database is unreachable an in-memory limiter per instance stands in.
 */
export class AbuseLimits {
  private constructor(
    readonly settings: AbuseLimitSettings,
    private readonly anonymous: RateLimiterAbstract | null,
    private readonly callers: RateLimiterAbstract | null,
    private readonly logger: Logger,
  ) {}

  static async create(options: {
    db: Db;
    settings: AbuseLimitSettings;
    logger: Logger;
  }): Promise<AbuseLimits> {
    const { db, settings } = options;
    const logger = options.logger.child({ component: 'abuse-limits' });
    const limiter = (keyPrefix: string, points: number): RateLimiterAbstract | null =>
      points === 0
        ? null
        : new RateLimiterMongo({
            storeClient: db,
            tableName: RATE_LIMIT_COLLECTION,
            keyPrefix,
            points,
            duration: WINDOW_SECONDS,
            // Indexes are created below, with errors logged instead of printed to the console.
            disableIndexesCreation: true,
            inMemoryBlockOnConsumed: points,
            insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
          });
    await ensureIndexes(db, logger);
    return new AbuseLimits(
      settings,
      limiter('ip', settings.anonymousPerMinute),
      limiter('caller', settings.callerPerMinute),
      logger,
    );
  }

  /** An unlimited instance (tools and tests that build a server without a database). */
  static unlimited(logger: Logger): AbuseLimits {
    const settings = {
      anonymousPerMinute: 0,
      callerPerMinute: 0,
      wsConnectionsPerCaller: 0,
      wsSubscriptionsPerCaller: 0,
      trustedProxyHops: 0,
    };
    return new AbuseLimits(settings, null, null, logger);
  }

  admitAnonymous(req: IncomingMessage): Promise<Admission> {
    return this.consume(this.anonymous, clientIp(req, this.settings.trustedProxyHops));
  }

  admitCaller(caller: Caller): Promise<Admission> {
    return this.consume(this.callers, callerKey(caller));
  }

  clientIp(req: IncomingMessage): string {
    return clientIp(req, this.settings.trustedProxyHops);
  }

  private async consume(limiter: RateLimiterAbstract | null, key: string): Promise<Admission> {
    if (!limiter) return ALLOWED;
    try {
      await limiter.consume(key);
      return ALLOWED;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        };
      }
      // The insurance limiter failed too: serve rather than refuse everyone.
      this.logger.error({ err: rejection }, 'rate limiter unavailable; request admitted');
      return ALLOWED;
    }
  }
}

/** Who a budget belongs to: the portal user (not the whole partner) or the connector. */
export function callerKey(caller: Caller): string {
  switch (caller.role) {
    case CallerRole.PARTNER_ADMIN:
      return `partner:${caller.partnerId}:${caller.subject}`;
    case CallerRole.COMPANY_ADMIN:
      return `company:${caller.companyId}:${caller.subject}`;
    case CallerRole.CONNECTOR:
      return `connector:${caller.connectorId}`;
    default: {
      const unreachable: never = caller;
      return unreachable;
    }
  }
}

/**
 * The client's address: the socket's, or with `hops` trusted proxies the entry the outermost of
 * them appended to X-Forwarded-For (entries left of it are the client's word, not evidence).
 */
export function clientIp(req: IncomingMessage, hops: number): string {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (hops === 0) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries[entries.length - hops] ?? entries[0] ?? socketAddress;
}

async function ensureIndexes(db: Db, logger: Logger): Promise<void> {
  const collection = db.collection(RATE_LIMIT_COLLECTION);
  try {
    await collection.createIndex({ key: 1 }, { unique: true });
  } catch (error) {
    logger.warn({ err: error }, 'rate limit index not created');
  }
  try {
    // Expired windows are replaced in place anyway; the TTL index only keeps the collection small.
    await collection.createIndex({ expire: -1 }, { expireAfterSeconds: 0 });
  } catch (error) {
    // FerretDB v1 (the offline test database) has no TTL indexes: nothing is lost without one.
    logger.debug({ err: error }, 'rate limit TTL index not created');
  }
}
