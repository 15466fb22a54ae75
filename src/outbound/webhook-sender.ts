import type { Dispatcher } from 'undici';
import {
  resolveTarget,
  systemResolver,
  type ResolveAll,
  type TargetAgents,
  type TargetResolution,
} from './safe-target.js';
import type { TargetRules } from './target-policy.js';

/** Response text kept with an attempt. */
export const RESPONSE_EXCERPT_CHARS = 256;
/**
 * A host's checked addresses are reused this long by default: the attempts of one round (up to
 * hundreds at once) share one lookup instead of queueing on the resolver's threads.
 */
const RESOLUTION_REUSE_MS = 1_000;

export interface OutgoingMessage {
  webhookId: string;
  /** The payload exactly as signed. */
  body: string;
}

export type AttemptOutcome =
  | { kind: 'delivered'; status: number; latencyMs: number; response: string | null }
  /** 410 Gone: the receiver wants no more webhooks; the endpoint is disabled. */
  | { kind: 'gone'; status: number; latencyMs: number; response: string | null }
  | {
      kind: 'failed';
      status: number | null;
      latencyMs: number;
      response: string | null;
      error: string;
      /** From a `Retry-After` header (429, 503), when there was one. */
      retryAfterMs: number | null;
      /** The target broke a rule (not the receiver's answer). */
      refused: boolean;
    };

export interface SenderOptions {
  rules: TargetRules;
  timeoutMs: number;
  maxResponseBytes: number;
  agents: TargetAgents;
  resolve?: ResolveAll;
  /** Default 1 s; 0 resolves before every single attempt. */
  resolutionReuseMs?: number;
}

/**
 * One HTTP attempt to a receiver: the target is resolved and checked first (every attempt), the
 * request goes only to the checked addresses, redirects are not followed (a 3xx is a failure,
 * as Standard Webhooks recommends), and at most `maxResponseBytes` of the answer are read.
 */
export class WebhookSender {
  private readonly resolutions = new Map<
    string,
    { at: number; result: Promise<TargetResolution> }
  >();

  constructor(private readonly options: SenderOptions) {}

  async send(
    endpointId: string,
    url: string,
    message: OutgoingMessage,
    sign: (at: Date) => string,
  ): Promise<AttemptOutcome> {
    const started = performance.now();
    const resolution = await this.resolve(url);
    if (!resolution.ok) {
      return failure(null, started, `refused: ${resolution.message} (${resolution.rule})`, true);
    }
    const { url: target } = resolution.target;
    const agent = this.options.agents.agentFor(endpointId, resolution.target);
    // The attempt's own time: receivers check it against replays (the event time is in the body).
    const at = new Date();
    try {
      const answer = await exchange(
        agent,
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'entra-connector-hub-webhooks/1',
            'webhook-id': message.webhookId,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': sign(at),
          },
          body: message.body,
          // undici's own timers (cheaper than a signal per attempt): the answer's headers within
          // the timeout; a body still arriving once the whole attempt is past it fails it.
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        },
        this.options.maxResponseBytes,
        started + this.options.timeoutMs,
      );
      const latencyMs = Math.round(performance.now() - started);
      const { status, response } = answer;
      if (status >= 200 && status < 300) return { kind: 'delivered', status, latencyMs, response };
      if (status === 410) return { kind: 'gone', status, latencyMs, response };
      return {
        kind: 'failed',
        status,
        latencyMs,
        response,
        error:
          status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`,
        retryAfterMs: retryAfter(answer.retryAfter),
        refused: false,
      };
    } catch (error) {
      return failure(null, started, describe(error, this.options.timeoutMs), false);
    }
  }

  /** The checked target of a URL, looked up at most once per RESOLUTION_REUSE_MS. */
  private resolve(url: string): Promise<TargetResolution> {
    const now = Date.now();
    const known = this.resolutions.get(url);
    const reuse = this.options.resolutionReuseMs ?? RESOLUTION_REUSE_MS;
    if (known && now - known.at < reuse) return known.result;
    const result = resolveTarget(url, this.options.rules, this.options.resolve ?? systemResolver);
    this.resolutions.set(url, { at: now, result });
    if (this.resolutions.size > 10_000) this.resolutions.clear();
    return result;
  }
}

function failure(
  status: number | null,
  started: number,
  error: string,
  refused: boolean,
): AttemptOutcome {
  return {
    kind: 'failed',
    status,
    latencyMs: Math.round(performance.now() - started),
    response: null,
    error,
    retryAfterMs: null,
    refused,
  };
}

interface Answer {
  status: number;
  response: string | null;
  retryAfter: string | string[] | undefined;
}

/**
 * One request through undici's dispatcher, its answer collected by a handler: the status, the
 * `Retry-After` header and the start of the body as printable text; the rest of the body is not
 * read (the request is aborted once `maxBytes` arrived). A body still arriving at `deadline`
 * (performance.now() time) fails the attempt as a timeout. The handler, rather than
 * `request()` and a body stream: most answers are empty, and at thousands of deliveries a second
 * the stream and its promises were a sizeable part of the hub's CPU.
 */
function exchange(
  agent: Dispatcher,
  options: Dispatcher.DispatchOptions,
  maxBytes: number,
  deadline: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    let retryAfter: string | string[] | undefined;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve({ status, response: printable(chunks, size), retryAfter });
    };
    agent.dispatch(options, {
      // Present so undici takes this for a handler of its current interface.
      onRequestStart() {},
      onResponseStart(_controller, statusCode, headers) {
        // 1xx answers are informational: the final one follows.
        if (statusCode < 200) return;
        status = statusCode;
        retryAfter = headers['retry-after'];
      },
      onResponseData(controller, chunk) {
        if (settled) return;
        if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
        size += chunk.length;
        if (size >= maxBytes) {
          settle(null);
          controller.abort(new Error('response past the size cap'));
        } else if (performance.now() > deadline) {
          const timeout = Object.assign(new Error('body still arriving'), { name: 'TimeoutError' });
          settle(timeout);
          controller.abort(timeout);
        }
      },
      onResponseEnd() {
        settle(null);
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    });
  });
}

function printable(chunks: Buffer[], size: number): string | null {
  if (size === 0) return null;
  const text = Buffer.concat(chunks)
    .toString('utf8', 0, Math.min(size, RESPONSE_EXCERPT_CHARS * 4))
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ')
    .trim()
    .slice(0, RESPONSE_EXCERPT_CHARS);
  return text.length > 0 ? text : null;
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (
    e.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  )
    return `timed out after ${timeoutMs} ms`;
  return code ? `network error (${code})` : `network error (${e.message ?? 'unknown'})`;
}
