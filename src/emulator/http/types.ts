/**
 * Requests and responses as plain values, so one dispatcher serves the HTTPS server and Graph's
 * `$batch` (whose sub-requests never touch a socket).
 */
export interface EmuRequest {
  method: string;
  url: URL;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  requestId: string;
  /** Set for `$batch` sub-requests: the id the client gave the sub-request. */
  batchItemId?: string;
}

export type ResponseBody = { kind: 'json'; value: unknown } | { kind: 'text'; value: string };

export interface EmuResponse {
  status: number;
  headers: Record<string, string>;
  body?: ResponseBody;
}

export type RouteParams = Readonly<Record<string, string>>;
