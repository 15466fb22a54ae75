import { z } from 'zod';

/**
 * The outbound webhooks' environment variables, validated with the rest of the configuration by
 * src/config.ts (still the only reader of process.env; it hands the values here). Each one's
 * description is rendered into docs/reference/configuration.md.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const HOUR = 3_600_000;

export const OUTBOUND_ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool
    .optional()
    .describe(
      'Allow private, loopback, link-local and unique-local targets (on in `npm run dev`).',
    ),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000)
    .default(15_000)
    .describe("One attempt's limit (the Standard Webhooks recommendation is 15 to 30 s)."),
  WEBHOOK_MAX_RESPONSE_BYTES: int(256, 1_048_576)
    .default(65_536)
    .describe('Response body bytes read at most (the rest is discarded).'),
  WEBHOOK_RETRY_BASE_MS: int(10, HOUR)
    .default(5_000)
    .describe('First retry after this long, doubled per attempt (with jitter) up to the max.'),
  WEBHOOK_RETRY_MAX_MS: int(100, 24 * HOUR)
    .default(HOUR)
    .describe('The longest wait between retries.'),
  WEBHOOK_RETRY_WINDOW_MS: int(1_000, 30 * 24 * HOUR)
    .default(72 * HOUR)
    .describe('An event (or endpoint) failing this long disables the endpoint.'),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: int(1, 256)
    .default(16)
    .describe(
      "Requests in flight per endpoint (different users; one user's events go one by one).",
    ),
  WEBHOOK_LEASE_TTL_MS: int(1_000, 600_000)
    .default(30_000)
    .describe("A killed instance's endpoints are taken over this long after its last renewal."),
  WEBHOOK_SECRET_GRACE_HOURS: int(0, 720)
    .default(24)
    .describe('A rotated-out signing secret keeps signing this long.'),
  FEED_RETENTION_DAYS: int(1, 3_650)
    .default(30)
    .describe(
      'Change-feed entries older than this are removed (endpoints further behind skip them).',
    ),
};

export type OutboundEnv = z.infer<z.ZodObject<typeof OUTBOUND_ENV>>;

export interface OutboundSettings {
  /** `http:` targets (never in production). */
  allowHttp: boolean;
  allowPrivateTargets: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
  retry: { baseMs: number; maxMs: number; windowMs: number };
  concurrencyPerEndpoint: number;
  leaseTtlMs: number;
  secretGraceMs: number;
  feedRetentionDays: number;
}

export function outboundSettings(
  e: OutboundEnv,
  env: 'development' | 'test' | 'production',
): OutboundSettings {
  return {
    allowHttp: env !== 'production',
    allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? false,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: e.WEBHOOK_MAX_RESPONSE_BYTES,
    retry: {
      baseMs: e.WEBHOOK_RETRY_BASE_MS,
      maxMs: Math.max(e.WEBHOOK_RETRY_MAX_MS, e.WEBHOOK_RETRY_BASE_MS),
      windowMs: e.WEBHOOK_RETRY_WINDOW_MS,
    },
    concurrencyPerEndpoint: e.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    leaseTtlMs: e.WEBHOOK_LEASE_TTL_MS,
    secretGraceMs: e.WEBHOOK_SECRET_GRACE_HOURS * HOUR,
    feedRetentionDays: e.FEED_RETENTION_DAYS,
  };
}
