import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newGuid } from '../util/guid.js';
import { serializeBody } from './responses.js';
import type { EmuRequest, EmuResponse } from './types.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpsListenOptions {
  port: number;
  host: string;
  cert: string;
  key: string;
  handle: (request: EmuRequest) => Promise<EmuResponse>;
  /** Called with a one-line description when the handler itself throws. */
  onInternalError: (error: unknown) => void;
}

export interface HttpsListener {
  port: number;
  close(): Promise<void>;
}

/** Node's own HTTPS server, translating to and from the plain request/response values. */
export async function listenHttps(options: HttpsListenOptions): Promise<HttpsListener> {
  const server: Server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    void serve(req, res, options);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: HttpsListenOptions) {
  let response: EmuResponse;
  try {
    const body = await readBody(req);
    if (body === null) {
      response = { status: 413, headers: {} };
    } else {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const url = new URL(req.url ?? '/', `https://${headers['host'] ?? 'localhost'}`);
      response = await options.handle({
        method: (req.method ?? 'GET').toUpperCase(),
        url,
        headers,
        body,
        requestId: newGuid(),
      });
    }
  } catch (error) {
    options.onInternalError(error);
    response = { status: 500, headers: {} };
  }
  if (res.destroyed) return;
  const payload = serializeBody(response);
  res.writeHead(response.status, response.headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
