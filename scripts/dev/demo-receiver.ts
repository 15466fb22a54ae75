import { createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * `npm run dev`'s demo webhook receiver: what a password manager's service does with the hub's
 * outbound webhooks. Every request is verified with the `standardwebhooks` library (signature
 * and timestamp, docs/webhooks.md "Verifying"); a verified event is answered 204, printed as one
 * line and appended in full to a log file; anything else is answered 401 and printed as refused.
 * Until the endpoint's secret is known it answers 503, which the hub retries.
 */
export interface DemoReceiver {
  url: string;
  /** The endpoint's signing secret (`whsec_...`), as created or rotated. */
  setSecret(secret: string): void;
  stop(): Promise<void>;
}

/** Bodies above this are refused: the hub's payloads stay under ~20 KB. */
const MAX_BODY_BYTES = 1_048_576;
/** Events printed per second at most; the rest of a burst (a first sync) becomes one line. */
const LINES_PER_SECOND = 8;

interface Payload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export async function startDemoReceiver(options: {
  port: number;
  /** Every verified event as a JSON line. */
  logFile: string;
  /** Where the one-line summaries go; null prints nothing (--quiet). */
  print: ((line: string) => void) | null;
}): Promise<DemoReceiver> {
  let verifier: Webhook | null = null;
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const lines = burstLimiter(options.print);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => answer(res, 500));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return answer(res, 405);
    const body = await readBody(req);
    if (body === null) return answer(res, 413);
    if (!verifier) return answer(res, 503);
    let payload: Payload;
    try {
      payload = verifier.verify(body, {
        'webhook-id': header(req, 'webhook-id'),
        'webhook-timestamp': header(req, 'webhook-timestamp'),
        'webhook-signature': header(req, 'webhook-signature'),
      }) as Payload;
    } catch (error) {
      const why = error instanceof WebhookVerificationError ? error.message : 'not JSON';
      options.print?.(`[webhook] REFUSED a request that does not verify (${why})`);
      return answer(res, 401);
    }
    const id = header(req, 'webhook-id');
    log.write(`${JSON.stringify({ webhookId: id, ...payload })}\n`);
    lines.add(payload.type, `[webhook] ${describe(payload)}  (${id}, signature verified)`);
    answer(res, 204);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/entra-hub`,
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    async stop() {
      lines.flush();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}

/** One line per event: what happened to whom. */
export function describe(payload: Payload): string {
  const d = payload.data;
  const text = (key: string) => {
    const value = d[key];
    return typeof value === 'string' ? value : '?';
  };
  if (payload.type.startsWith('directory.user.')) {
    return `${payload.type} ${text('email')} (Entra ${text('entraId')})${changed(d)}`;
  }
  if (payload.type === 'directory.group.members_changed') {
    const members = d['members'] as { added?: unknown[]; removed?: unknown[] } | undefined;
    return `${payload.type} ${text('name')}: +${members?.added?.length ?? 0} -${members?.removed?.length ?? 0}`;
  }
  if (payload.type.startsWith('directory.group.')) return `${payload.type} ${text('name')}`;
  if (payload.type === 'connector.status_changed') {
    return `${payload.type} ${text('connectorId')}: ${String(d['previousStatus'])} -> ${text('status')}`;
  }
  return `${payload.type} ${JSON.stringify(d).slice(0, 120)}`;
}

/** ` displayName: "A" -> "B"` for the attributes an update touched (at most three). */
function changed(data: Record<string, unknown>): string {
  const before = (data['before'] ?? {}) as Record<string, unknown>;
  const after = (data['after'] ?? {}) as Record<string, unknown>;
  if (!data['before']) return '';
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].slice(0, 3);
  return keys
    .map((k) => `  ${k}: ${JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`)
    .join('');
}

/** Prints up to LINES_PER_SECOND lines a second; the rest of a second becomes one summary. */
function burstLimiter(print: ((line: string) => void) | null) {
  let printed = 0;
  let held = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const total = [...held.values()].reduce((a, b) => a + b, 0);
    if (total > 0 && print) {
      const kinds = [...held].map(([type, n]) => `${type} x${n}`).join(', ');
      print(`[webhook] ... and ${total} more verified event(s): ${kinds}`);
    }
    printed = 0;
    held = new Map();
  };
  return {
    add(type: string, line: string) {
      if (!print) return;
      timer ??= setTimeout(flush, 1_000);
      if (printed < LINES_PER_SECOND) {
        printed += 1;
        print(line);
        return;
      }
      held.set(type, (held.get(type) ?? 0) + 1);
    },
    flush() {
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}
