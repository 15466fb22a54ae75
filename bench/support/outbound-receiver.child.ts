/**
 * Webhook receivers for bench/outbound.bench.ts, in their own process so their CPU is not the
 * hub's: one HTTP/1.1 server per endpoint, answering 204 at once. They stand in for the password
 * manager's services, which run elsewhere; here they share the hub's two cores, so each is a
 * minimal HTTP/1.1 responder on a plain socket (keep-alive, `content-length` bodies, pipelined
 * requests answered in order): about 30 us of CPU per request against node:http's 41.
 *
 * Each records, per webhook-id, its first arrival (wall clock, ms with a fraction, comparable
 * with the parent's), counts repeats (same webhook-id again: at-least-once duplicates), and
 * counts per user every first arrival that comes after a later event of the same user (out of
 * order). Every `verifyEvery`-th request is verified with the `standardwebhooks` library.
 * Driven over IPC:
 *
 *   {cmd:'listen', count} -> {ports}      {cmd:'secrets', secrets, verifyEvery} -> {}
 *   {cmd:'down'} / {cmd:'up'} -> {}      (down: the servers close; connections are refused)
 *   {cmd:'stats', arrivalsOf?: index}    -> {endpoints: [...], arrivals?: [[seq, ms], ...]}
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

interface Receiver {
  server: Server | null;
  port: number;
  sockets: Set<Socket>;
  verifier: Webhook | null;
  requests: number;
  duplicates: number;
  outOfOrder: number;
  verified: number;
  verifyFailures: number;
  /** webhook-id -> first arrival. */
  first: Map<string, number>;
  /** The highest feed position that arrived so far, per user. */
  newestPerUser: Map<string, number>;
  /** webhook-ids seen with another feed position than their first time (must stay 0). */
  idMismatches: number;
  seqOf: Map<string, number>;
}

const now = () => performance.timeOrigin + performance.now();
const receivers: Receiver[] = [];
let verifyEvery = 1;

function handle(r: Receiver, body: string, headers: Record<string, string>): number {
  r.requests += 1;
  if (verifyEvery > 0 && r.requests % verifyEvery === 0) {
    try {
      if (!r.verifier) throw new Error('no secret yet');
      r.verifier.verify(body, headers);
      r.verified += 1;
    } catch {
      r.verifyFailures += 1;
      return 401;
    }
  }
  const id = headers['webhook-id']!;
  const payload = JSON.parse(body) as { data: { entraId?: string; cursor?: string } };
  const seq = Number(id.split('_').pop());
  if (r.first.has(id)) {
    r.duplicates += 1;
    if (r.seqOf.get(id) !== seq) r.idMismatches += 1;
    return 204;
  }
  r.first.set(id, now());
  r.seqOf.set(id, seq);
  const user = payload.data.entraId ?? '';
  const newest = r.newestPerUser.get(user) ?? 0;
  if (seq < newest) r.outOfOrder += 1;
  else r.newestPerUser.set(user, seq);
  return 204;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const REASONS: Record<number, string> = { 204: 'No Content', 401: 'Unauthorized' };

/**
 * Reads requests off a socket as they arrive (several may come in one read, or one across
 * several) and answers each in order. Only what undici sends is understood: a request line,
 * headers, and a body of `content-length` bytes.
 */
function serve(r: Receiver, socket: Socket): void {
  let pending: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let buffer: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let answers = '';
    while (buffer.length > 0) {
      const end = buffer.indexOf(HEAD_END);
      if (end < 0) break;
      const lines = buffer.toString('latin1', 0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const bodyEnd = end + HEAD_END.length + Number(headers['content-length'] ?? 0);
      if (buffer.length < bodyEnd) break;
      const status = handle(r, buffer.toString('utf8', end + HEAD_END.length, bodyEnd), headers);
      answers += `HTTP/1.1 ${status} ${REASONS[status]}\r\n${status === 204 ? '' : 'content-length: 0\r\n'}\r\n`;
      buffer = buffer.subarray(bodyEnd);
    }
    if (buffer.length > 0) pending = Buffer.from(buffer);
    if (answers) socket.write(answers);
  });
  socket.on('error', () => socket.destroy());
}

function listen(r: Receiver): Promise<void> {
  const server = createServer((socket) => {
    r.sockets.add(socket);
    socket.once('close', () => r.sockets.delete(socket));
    serve(r, socket);
  });
  r.server = server;
  return new Promise((resolve) =>
    server.listen(r.port, '127.0.0.1', () => {
      r.port = (server.address() as AddressInfo).port;
      resolve();
    }),
  );
}

async function down(): Promise<void> {
  await Promise.all(
    receivers.map(async (r) => {
      const server = r.server;
      r.server = null;
      for (const socket of r.sockets) socket.destroy();
      await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    }),
  );
}

type Message =
  | { cmd: 'listen'; count: number }
  | { cmd: 'secrets'; secrets: string[]; verifyEvery: number }
  | { cmd: 'down' }
  | { cmd: 'up' }
  | { cmd: 'stats'; arrivalsOf?: number };

async function answer(message: Message): Promise<unknown> {
  switch (message.cmd) {
    case 'secrets':
      verifyEvery = message.verifyEvery;
      message.secrets.forEach((secret, i) => (receivers[i]!.verifier = new Webhook(secret)));
      return {};
    case 'listen': {
      for (let i = 0; i < message.count; i += 1) {
        const r: Receiver = {
          server: null,
          port: 0,
          sockets: new Set(),
          verifier: null,
          requests: 0,
          duplicates: 0,
          outOfOrder: 0,
          verified: 0,
          verifyFailures: 0,
          first: new Map(),
          newestPerUser: new Map(),
          idMismatches: 0,
          seqOf: new Map(),
        };
        receivers.push(r);
        await listen(r);
      }
      return { ports: receivers.map((r) => r.port) };
    }
    case 'down':
      await down();
      return {};
    case 'up':
      await Promise.all(receivers.map((r) => listen(r)));
      return {};
    case 'stats': {
      const endpoints = receivers.map((r) => ({
        requests: r.requests,
        distinct: r.first.size,
        duplicates: r.duplicates,
        outOfOrder: r.outOfOrder,
        verified: r.verified,
        verifyFailures: r.verifyFailures,
        idMismatches: r.idMismatches,
        maxSeq: [...r.seqOf.values()].reduce((a, b) => Math.max(a, b), 0),
      }));
      const of = message.arrivalsOf;
      const arrivals =
        of === undefined
          ? undefined
          : [...receivers[of]!.first].map(([id, at]) => [receivers[of]!.seqOf.get(id)!, at]);
      return { endpoints, arrivals };
    }
    default: {
      const unreachable: never = message;
      throw new Error(`unknown message ${JSON.stringify(unreachable)}`);
    }
  }
}

process.on('message', (message: Message) => {
  answer(message).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
