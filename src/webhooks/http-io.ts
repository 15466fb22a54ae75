import type { IncomingMessage, ServerResponse } from 'node:http';

/** Why the receiver refused a request; each maps to one HTTP status. */
export enum WebhookRejection {
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  MALFORMED = 'MALFORMED',
  UNAVAILABLE = 'UNAVAILABLE',
}

const STATUS: Record<WebhookRejection, number> = {
  [WebhookRejection.METHOD_NOT_ALLOWED]: 405,
  [WebhookRejection.UNSUPPORTED_MEDIA_TYPE]: 415,
  [WebhookRejection.PAYLOAD_TOO_LARGE]: 413,
  [WebhookRejection.MALFORMED]: 400,
  // Graph retries non-2xx answers for up to 4 hours: the right answer when we cannot persist.
  [WebhookRejection.UNAVAILABLE]: 503,
};

export class WebhookRequestError extends Error {
  constructor(readonly rejection: WebhookRejection) {
    super(rejection);
    this.name = 'WebhookRequestError';
  }

  get status(): number {
    return STATUS[this.rejection];
  }
}

/** Headers on every answer: nothing here is cacheable or meant to be sniffed as HTML. */
function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
}

export function sendEmpty(res: ServerResponse, status: number, close = false): void {
  baseHeaders(res);
  if (close) res.setHeader('Connection', 'close');
  res.writeHead(status, { 'Content-Length': '0' });
  res.end();
}

export function sendPlainText(res: ServerResponse, status: number, body: string): void {
  baseHeaders(res);
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(bytes.length),
  });
  res.end(bytes);
}

export function sendRejection(res: ServerResponse, error: WebhookRequestError): void {
  baseHeaders(res);
  if (error.rejection === WebhookRejection.METHOD_NOT_ALLOWED) res.setHeader('Allow', 'POST');
  if (error.rejection === WebhookRejection.PAYLOAD_TOO_LARGE) res.setHeader('Connection', 'close');
  if (error.rejection === WebhookRejection.UNAVAILABLE) res.setHeader('Retry-After', '5');
  sendPlainText(res, error.status, `${error.rejection}\n`);
}

export function isJsonContentType(header: string | undefined): boolean {
  const mediaType = header?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Reads the body up to `limit` bytes; past it, stops buffering and rejects with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new WebhookRequestError(WebhookRejection.PAYLOAD_TOO_LARGE);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      // Keep discarding what follows so the answer can still be written and read.
      req.resume();
      throw new WebhookRequestError(WebhookRejection.PAYLOAD_TOO_LARGE);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}
