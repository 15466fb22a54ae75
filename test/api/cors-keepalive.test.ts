/**
 * A portal on another origin (CORS, off by default; preflight answered when configured) and
 * idle live-event sockets (graphql-ws keep-alive pings; a peer that stops answering is dropped),
 * against real hubs over real HTTP and WebSocket connections.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

const PORTAL = 'https://portal.example.com';

const preflight = (hub: TestHub, origin: string) =>
  fetch(`${hub.server.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });

describe('CORS', () => {
  let off: TestHub;
  let on: TestHub;
  beforeAll(async () => {
    off = await startTestHub();
    on = await startTestHub({
      env: { CORS_ALLOWED_ORIGINS: `${PORTAL}, http://localhost:5173` },
    });
  });
  afterAll(async () => {
    await off?.stop();
    await on?.stop();
  });

  it('is off by default: a preflight is refused and no answer carries CORS headers', async () => {
    const answer = await preflight(off, PORTAL);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${off.server.url}/graphql`, {
      method: 'POST',
      headers: { origin: PORTAL, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of an allowed origin, and marks its answers', async () => {
    const answer = await preflight(on, PORTAL);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(answer.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const jwt = await on.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-cors' });
    const post = await fetch(`${on.server.url}/graphql`, {
      method: 'POST',
      headers: {
        origin: PORTAL,
        'content-type': 'application/json',
        authorization: `Bearer ${jwt}`,
      },
      body: JSON.stringify({ query: '{ companies { id } }' }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(post.headers.get('vary')).toMatch(/origin/i);
    expect(await post.json()).toEqual({ data: { companies: [] } });
  });

  it('gives another origin nothing the browser would accept', async () => {
    const answer = await preflight(on, 'https://evil.example.com');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    // Same origin as the hub (no Origin header): GraphQL as usual, no CORS involved.
    const plain = await fetch(`${on.server.url}/graphql`, { method: 'OPTIONS' });
    expect(plain.status).toBe(405);
  });

  it('refuses an origin with a path at boot, naming the variable', () => {
    expect(() =>
      loadConfig({
        MONGODB_URI: 'mongodb://x/y',
        ENCRYPTION_KEYS: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64')}`,
        AUTH_JWT_SECRET: 'A7f!kq9Zp2LmX4vR8sT1wY6uE3oN5bC0',
        CORS_ALLOWED_ORIGINS: 'https://portal.example.com/app',
      }),
    ).toThrow(/CORS_ALLOWED_ORIGINS/);
  });
});

describe('graphql-ws keep-alive', () => {
  let h: TestHub;
  let jwt: string;
  beforeAll(async () => {
    h = await startTestHub({ env: { GRAPHQL_WS_KEEPALIVE_MS: '200' } });
    jwt = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-ping' });
  });
  afterAll(() => h?.stop());

  /** A graphql-transport-ws socket, acknowledged, with `autoPong` as given. */
  async function connect(autoPong: boolean): Promise<WebSocket> {
    const url = `${h.server.url.replace(/^http/, 'ws')}/graphql`;
    const socket = new WebSocket(url, 'graphql-transport-ws', { autoPong });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${jwt}` } }),
    );
    await new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve();
      }),
    );
    return socket;
  }

  it('pings an idle, acknowledged socket again and again; it stays open', async () => {
    const socket = await connect(true);
    let pings = 0;
    await new Promise<void>((resolve) =>
      socket.on('ping', () => {
        pings += 1;
        if (pings === 3) resolve();
      }),
    );
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('drops a peer that stops answering pings', async () => {
    const socket = await connect(false);
    const events: string[] = [];
    socket.on('ping', () => events.push('ping'));
    const code = await new Promise<number>((resolve) =>
      socket.once('close', (closeCode: number) => resolve(closeCode)),
    );
    // Terminated without a closing handshake (1006), after at least one unanswered ping.
    expect(code).toBe(1006);
    expect(events[0]).toBe('ping');
  });
});
