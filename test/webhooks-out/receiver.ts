/**
 * A webhook receiver as a password manager would run it: a real HTTP server that verifies every
 * request with the `standardwebhooks` library's own verifier (against each secret it knows) and
 * records what it got. How it answers is up to the test (`answer`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  webhookId: string;
  timestamp: number;
  signature: string;
  body: string;
  type: string;
  data: Record<string, unknown>;
  /** The secrets (by index in `secrets`) whose verification passed. */
  verifiedWith: number[];
  at: number;
  /** What the receiver answered (null: it never answered). */
  status: number | null;
}

export type Answer =
  | number
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  | 'hang';

export interface TestReceiver {
  url: string;
  received: Received[];
  /** Secrets it verifies with (the endpoint's, as shown at creation or rotation). */
  secrets: string[];
  /** Decides each answer; default 204 for requests that verify, 401 otherwise. */
  answer: (event: Received, count: number) => Answer;
  /** Requests that did not verify with any secret. */
  rejected: number;
  stop(): Promise<void>;
}

export async function startReceiver(secrets: string[] = []): Promise<TestReceiver> {
  const sockets = new Set<Socket>();
  const receiver: TestReceiver = {
    url: '',
    received: [],
    secrets,
    rejected: 0,
    answer: (event) => (event.verifiedWith.length > 0 ? 204 : 401),
    stop: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => void handle(receiver, req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hooks/entra`;
  receiver.stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

async function handle(receiver: TestReceiver, req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const headers = {
    'webhook-id': String(req.headers['webhook-id'] ?? ''),
    'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
    'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
  };
  const verifiedWith: number[] = [];
  receiver.secrets.forEach((secret, index) => {
    try {
      new Webhook(secret).verify(body, headers);
      verifiedWith.push(index);
    } catch {
      // not signed with this one
    }
  });
  if (verifiedWith.length === 0) receiver.rejected += 1;
  const parsed = JSON.parse(body) as { type: string; data: Record<string, unknown> };
  const event: Received = {
    webhookId: headers['webhook-id'],
    timestamp: Number(headers['webhook-timestamp']),
    signature: headers['webhook-signature'],
    body,
    type: parsed.type,
    data: parsed.data,
    verifiedWith,
    at: Date.now(),
    status: null,
  };
  receiver.received.push(event);
  const answer = receiver.answer(event, receiver.received.length);
  if (answer === 'hang') return;
  const spec = typeof answer === 'number' ? { status: answer } : answer;
  event.status = spec.status;
  if (spec.delayMs) await new Promise((resolve) => setTimeout(resolve, spec.delayMs));
  res.writeHead(spec.status, spec.headers ?? {});
  res.end(spec.body ?? '');
}
