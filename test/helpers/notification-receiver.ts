import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from './wait.js';

export interface ReceivedPost {
  path: string;
  receivedAt: number;
  body: { value: Array<Record<string, unknown>> };
}

export type ValidationMode =
  'echo' | 'wrong-body' | 'json-content-type' | 'status-500' | 'hang' | 'echo-encoded';

/**
 * A plain-HTTP webhook receiver on 127.0.0.1 for tests (the emulator accepts http://localhost
 * receivers in dev mode). It answers the validation handshake per `validation`, records
 * notification POSTs, and answers them with `status` after `delayMs`.
 */
export class NotificationReceiver {
  readonly posts: ReceivedPost[] = [];
  validations = 0;
  validation: ValidationMode = 'echo';
  status = 202;
  delayMs = 0;
  /** Answer this many POSTs with 503 before answering with `status`. */
  failNext = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readAll(req);
        const url = new URL(req.url ?? '/', 'http://localhost');
        const token = url.searchParams.get('validationToken');
        if (token !== null) {
          this.validations++;
          await this.answerValidation(token, res);
          return;
        }
        this.posts.push({
          path: url.pathname,
          receivedAt: Date.now(),
          body: JSON.parse(body) as ReceivedPost['body'],
        });
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (res.destroyed) return;
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(503).end();
          return;
        }
        res.writeHead(this.status).end();
      })();
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path = '/notifications'): string {
    return `http://localhost:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  /** Every notification received so far (flattened across POSTs), optionally for one path. */
  notifications(path?: string): Array<Record<string, unknown>> {
    return this.posts
      .filter((p) => path === undefined || p.path === path)
      .flatMap((p) => p.body.value);
  }

  async waitForNotifications(count: number, path?: string, timeoutMs = 10_000) {
    return waitFor(
      () => this.notifications(path).length >= count && this.notifications(path),
      timeoutMs,
      `${count} notifications`,
    );
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async answerValidation(token: string, res: ServerResponse) {
    switch (this.validation) {
      case 'echo':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      case 'echo-encoded':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(encodeURIComponent(token));
        return;
      case 'wrong-body':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('something else');
        return;
      case 'json-content-type':
        res.writeHead(200, { 'content-type': 'application/json' }).end(token);
        return;
      case 'status-500':
        res.writeHead(500).end();
        return;
      case 'hang':
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      default: {
        const unreachable: never = this.validation;
        throw new Error(`unknown mode ${String(unreachable)}`);
      }
    }
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
