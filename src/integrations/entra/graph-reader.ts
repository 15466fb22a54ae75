import {
  GraphError,
  ResponseType,
  RetryHandlerOptions,
  type Client,
} from '@microsoft/microsoft-graph-client';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../domain/errors.js';
import { toGraphAppError } from './graph-errors.js';
import { sleep, type TenantGate } from './tenant-gate.js';

export interface GraphRetryPolicy {
  /** Attempts per request (first try included) before the error is final. */
  maxAttempts: number;
  /** First 5xx/network backoff; doubled per attempt. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs: number;
}

/** What one run spent on Graph; shared by every reader of the run. */
export interface GraphUsage {
  requests: number;
  resourceUnits: number;
  throttled: number;
}

/** The delta link can no longer be used (expired, or Graph reset the sync state): go FULL. */
export class DeltaResetError extends Error {
  constructor(readonly status: number) {
    super(`delta state lost (HTTP ${status})`);
    this.name = 'DeltaResetError';
  }
}

export interface GraphPage {
  value: Record<string, unknown>[];
  nextLink: string | null;
  deltaLink: string | null;
}

/**
 * Graph GETs for one run: the SDK's own retry handler is switched off so every attempt is counted
 * and the policy is ours (Retry-After honoured tenant-wide, exponential backoff on 5xx), and each
 * request holds a slot of the tenant's concurrency gate.
 */
export class GraphReader {
  constructor(
    private readonly client: Client,
    private readonly tenantId: string,
    private readonly gate: TenantGate,
    private readonly policy: GraphRetryPolicy,
    readonly usage: GraphUsage,
    private readonly logger?: Logger,
  ) {}

  async get(url: string, what: string, headers: Record<string, string> = {}): Promise<unknown> {
    for (let attempt = 1; ; attempt += 1) {
      const release = await this.gate.acquire(this.tenantId);
      let response: Response;
      try {
        this.usage.requests += 1;
        response = (await this.client
          .api(url)
          .headers(headers)
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .responseType(ResponseType.RAW)
          .get()) as Response;
      } catch (error) {
        release();
        const mapped = toGraphAppError(error, what);
        // Token failures are final; a network failure is worth another attempt.
        if (mapped.code !== ErrorCode.UPSTREAM_UNAVAILABLE || attempt >= this.policy.maxAttempts) {
          throw mapped;
        }
        await sleep(this.backoff(attempt));
        continue;
      }
      release();
      this.logger?.debug(
        {
          what,
          path: new URL(url, 'https://graph.invalid').pathname,
          status: response.status,
          attempt,
        },
        'graph request',
      );
      this.usage.resourceUnits += Number(response.headers.get('x-ms-resource-unit') ?? 0) || 0;
      if (response.ok) return await response.json();

      const body = (await response.json().catch(() => null)) as GraphErrorBody | null;
      const code = body?.error?.code ?? null;
      if (response.status === 410 || (response.status === 400 && code === 'syncStateNotFound')) {
        throw new DeltaResetError(response.status);
      }
      const retryAfterMs = retryAfter(response.headers.get('retry-after'));
      if (response.status === 429) {
        this.usage.throttled += 1;
        const wait = retryAfterMs ?? this.backoff(attempt);
        if (attempt < this.policy.maxAttempts && wait <= this.policy.maxRetryAfterMs) {
          this.gate.pause(this.tenantId, wait);
          continue;
        }
      } else if (response.status >= 500 && attempt < this.policy.maxAttempts) {
        await sleep(Math.max(retryAfterMs ?? 0, this.backoff(attempt)));
        continue;
      }
      throw graphFailure(response.status, code, body?.error?.message, what);
    }
  }

  async page(url: string, what: string, headers?: Record<string, string>): Promise<GraphPage> {
    const body = (await this.get(url, what, headers)) as Record<string, unknown>;
    const value = Array.isArray(body['value']) ? (body['value'] as Record<string, unknown>[]) : [];
    const next = body['@odata.nextLink'];
    const delta = body['@odata.deltaLink'];
    return {
      value,
      nextLink: typeof next === 'string' ? next : null,
      deltaLink: typeof delta === 'string' ? delta : null,
    };
  }

  /**
   * Every page of a listing, in order (nextLink until there is none). The next page is asked for
   * before this one is handed over, so its round trip overlaps the caller's work on this one; a
   * caller that stops early leaves at most that one request unread.
   */
  async *pages(url: string, what: string, headers?: Record<string, string>) {
    let next: Promise<GraphPage> | null = this.page(url, what, headers);
    while (next) {
      const page: GraphPage = await next;
      next = page.nextLink ? this.page(page.nextLink, what, headers) : null;
      // Awaited on the next turn; until then a failure must not count as unhandled.
      next?.catch(() => undefined);
      yield page;
    }
  }

  private backoff(attempt: number): number {
    return this.policy.baseDelayMs * 2 ** (attempt - 1);
  }
}

interface GraphErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Retry-After in ms: decimal seconds (Graph sends fractional ones, "Retry-After: 2.128",
 * https://learn.microsoft.com/en-us/graph/throttling#sample-response) or an HTTP date.
 */
function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function graphFailure(
  status: number,
  code: string | null,
  message: string | undefined,
  what: string,
): AppError {
  const error = new GraphError(status, message ?? `HTTP ${status}`);
  error.code = code;
  return toGraphAppError(error, what);
}

/** True when `error` means Graph is fine but the object does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof AppError && error.code === ErrorCode.NOT_FOUND;
}
