export interface RequestLogEntry {
  /** When the answer was ready (emulator clock), after any injected latency. */
  time: string;
  /** When the request arrived (emulator clock): with `time`, the gap a client left between two. */
  receivedAt: string;
  method: string;
  /** Path and query; token-endpoint bodies (secrets) are never recorded. */
  path: string;
  route: string;
  status: number;
  /** The answer's Retry-After header (429s, 503s, 504s), in seconds as sent. */
  retryAfter?: string;
  durationMs: number;
  resourceUnits: number;
  tenantId?: string;
  appId?: string;
  requestId: string;
}

/** The most recent requests, oldest dropped first. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  constructor(private readonly capacity = 1000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity * 1.25) {
      this.entries = this.entries.slice(-this.capacity);
    }
  }

  recent(limit = this.capacity): RequestLogEntry[] {
    return this.entries.slice(-Math.min(limit, this.capacity));
  }

  clear(): void {
    this.entries = [];
  }
}
