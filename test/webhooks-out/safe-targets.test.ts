/**
 * What the hub sends to, and what it takes back: target rules (table), the checked addresses
 * at every attempt (a name that re-resolves elsewhere is refused before anything is sent, and
 * connections only go where the check allowed), timeouts, redirects, 410, and answers too large
 * or malformed to matter. Real HTTP servers on loopback; the resolver is the one seam.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { TargetAgents, resolveTarget } from '../../src/outbound/safe-target.js';
import { TargetRule, checkAddress, checkUrl } from '../../src/outbound/target-policy.js';
import { WebhookSender, type AttemptOutcome } from '../../src/outbound/webhook-sender.js';
import { EndpointSigner, newEndpointSecret } from '../../src/outbound/webhook-signer.js';
import { startReceiver, type TestReceiver } from './receiver.js';

const PRIVATE_OK = { allowHttp: true, allowPrivateTargets: true };
const STRICT = { allowHttp: false, allowPrivateTargets: false };

describe('target rules', () => {
  it.each([
    ['http://hooks.example.com/x', STRICT, TargetRule.HTTPS_REQUIRED],
    ['ftp://hooks.example.com/x', PRIVATE_OK, TargetRule.INVALID_URL],
    ['not a url', PRIVATE_OK, TargetRule.INVALID_URL],
    ['https://user:pw@hooks.example.com/x', STRICT, TargetRule.CREDENTIALS_IN_URL],
    ['https://hooks.example.com/x#frag', STRICT, TargetRule.INVALID_URL],
    [`https://hooks.example.com/${'a'.repeat(2_100)}`, STRICT, TargetRule.INVALID_URL],
  ])('URL case %#: refused', (url, rules, rule) => {
    const verdict = checkUrl(url, rules);
    expect(verdict.ok ? null : verdict.rule).toBe(rule);
  });

  it.each([
    ['127.0.0.1', TargetRule.PRIVATE_ADDRESS],
    ['10.1.2.3', TargetRule.PRIVATE_ADDRESS],
    ['172.16.0.9', TargetRule.PRIVATE_ADDRESS],
    ['192.168.1.1', TargetRule.PRIVATE_ADDRESS],
    ['169.254.169.254', TargetRule.PRIVATE_ADDRESS],
    ['100.64.0.1', TargetRule.PRIVATE_ADDRESS],
    ['::1', TargetRule.PRIVATE_ADDRESS],
    ['fe80::1', TargetRule.PRIVATE_ADDRESS],
    ['fd12:3456::1', TargetRule.PRIVATE_ADDRESS],
    ['::ffff:127.0.0.1', TargetRule.PRIVATE_ADDRESS],
    ['0.0.0.0', TargetRule.RESERVED_ADDRESS],
    ['224.0.0.1', TargetRule.RESERVED_ADDRESS],
    ['255.255.255.255', TargetRule.RESERVED_ADDRESS],
    ['192.0.2.10', TargetRule.RESERVED_ADDRESS],
    ['::', TargetRule.RESERVED_ADDRESS],
  ])('%s is refused: %s', (address, rule) => {
    const verdict = checkAddress(address, STRICT);
    expect(verdict.ok ? null : verdict.rule).toBe(rule);
  });

  it('allows public addresses, and private ones only when told to', () => {
    expect(checkAddress('93.184.216.34', STRICT).ok).toBe(true);
    expect(checkAddress('2606:4700::1111', STRICT).ok).toBe(true);
    expect(checkAddress('10.0.0.1', PRIVATE_OK).ok).toBe(true);
    expect(checkAddress('0.0.0.0', PRIVATE_OK).ok).toBe(false);
  });

  it('resolves names: refused if any address is refused; localhost and odd IP forms are loopback', async () => {
    const resolve = (addresses: string[]) => () =>
      Promise.resolve(addresses.map((address) => ({ address, family: 4 })));
    const mixed = await resolveTarget(
      'https://mixed.test/x',
      STRICT,
      resolve(['93.184.216.34', '10.0.0.1']),
    );
    expect(mixed.ok ? null : mixed.rule).toBe(TargetRule.PRIVATE_ADDRESS);
    for (const url of [
      'https://localhost/x',
      'https://api.localhost/x',
      'https://2130706433/x',
      'https://0x7f.1/x',
      'https://[::1]/x',
    ]) {
      const verdict = await resolveTarget(url, STRICT, resolve(['93.184.216.34']));
      expect([url, verdict.ok ? null : verdict.rule]).toEqual([url, TargetRule.PRIVATE_ADDRESS]);
    }
    const none = await resolveTarget('https://nowhere.test/x', STRICT, () =>
      Promise.reject(new Error('ENOTFOUND')),
    );
    expect(none.ok ? null : none.rule).toBe(TargetRule.UNRESOLVABLE);
  });

  it('https only in production; http in development and tests', () => {
    const base = {
      MONGODB_URI: 'mongodb://db/hub',
      ENCRYPTION_KEYS: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64')}`,
      AUTH_JWT_SECRET: 'Zq8#vLr2!xWm5@tYp9$kHn3^bGc7&dFs1',
    };
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).outbound.allowHttp).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).outbound.allowHttp).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).outbound.allowPrivateTargets).toBe(
      false,
    );
  });
});

describe('an attempt', () => {
  let receiver: TestReceiver;
  let odd: Server;
  let oddUrl: string;
  const agents = new TargetAgents({ connections: 4, connectTimeoutMs: 1_000 });
  const secret = newEndpointSecret();
  const signer = new EndpointSigner([secret]);
  let answer: string[] = [];
  const lookups: string[] = [];
  const sender = new WebhookSender({
    rules: PRIVATE_OK,
    timeoutMs: 500,
    maxResponseBytes: 1_024,
    agents,
    resolutionReuseMs: 0,
    resolve: (host) => {
      lookups.push(host);
      const address = answer.shift() ?? '127.0.0.1';
      return Promise.resolve([{ address, family: 4 } satisfies LookupAddress]);
    },
  });
  const send = (url: string, id = 'msg_1'): Promise<AttemptOutcome> =>
    sender.send('ep1', url, { webhookId: id, body: '{"type":"webhook.test"}' }, (at) =>
      signer.sign(id, at, '{"type":"webhook.test"}'),
    );

  beforeAll(async () => {
    receiver = await startReceiver([secret]);
    // Answers by path: an endless body, a trickling one, binary garbage, a redirect, 410.
    odd = createServer((req, res) => {
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16_384, 'x');
        const pump = () => {
          while (res.write(chunk));
        };
        res.on('drain', pump);
        pump();
        return;
      }
      if (req.url === '/trickle') {
        // Headers at once, then a byte every 100 ms: never idle for long, never done.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/garbage') {
        res.writeHead(202);
        res.end(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x22]));
        return;
      }
      if (req.url === '/redirect') {
        res.writeHead(307, { location: receiver.url });
        res.end();
        return;
      }
      res.writeHead(410);
      res.end('gone for good');
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agents.close();
    await receiver.stop();
    odd.closeAllConnections();
    await new Promise((resolve) => odd.close(resolve));
  });

  it('resolves before every attempt and connects only to the address it checked', async () => {
    // "rebind.test" has no DNS record: reaching the receiver proves the pinned address was used.
    const url = receiver.url.replace('127.0.0.1', 'rebind.test');
    expect((await send(url, 'msg_a')).kind).toBe('delivered');
    answer = ['0.0.0.0'];
    const refused = await send(url, 'msg_b');
    expect(refused).toMatchObject({ kind: 'failed', status: null, refused: true });
    expect(refused.kind === 'failed' && refused.error).toMatch(/RESERVED_ADDRESS/);
    expect((await send(url, 'msg_c')).kind).toBe('delivered');
    expect(lookups.filter((h) => h === 'rebind.test')).toHaveLength(3);
    expect(receiver.received.map((e) => e.webhookId)).toEqual(['msg_a', 'msg_c']);
    expect(receiver.received.every((e) => e.verifiedWith.length === 1)).toBe(true);
  });

  it('times out on a slow receiver and counts it as a failure', async () => {
    receiver.answer = () => ({ status: 204, delayMs: 2_000 });
    const outcome = await send(receiver.url);
    receiver.answer = () => 204;
    expect(outcome).toMatchObject({
      kind: 'failed',
      status: null,
      error: 'timed out after 500 ms',
    });
  });

  it('times out on a body that keeps trickling past the limit', async () => {
    const started = performance.now();
    const outcome = await send(`${oddUrl}/trickle`);
    expect(outcome).toMatchObject({
      kind: 'failed',
      status: null,
      error: 'timed out after 500 ms',
    });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('reads at most the cap of a large answer, and ignores malformed ones', async () => {
    const endless = await send(`${oddUrl}/endless`);
    expect(endless).toMatchObject({ kind: 'delivered', status: 200 });
    expect(endless.response!.length).toBeLessThanOrEqual(256);
    const garbage = await send(`${oddUrl}/garbage`);
    expect(garbage).toMatchObject({ kind: 'delivered', status: 202 });
  });

  it('does not follow redirects; 410 says the receiver is gone', async () => {
    const before = receiver.received.length;
    const redirect = await send(`${oddUrl}/redirect`);
    expect(redirect).toMatchObject({ kind: 'failed', status: 307 });
    expect(receiver.received.length).toBe(before);
    expect(await send(`${oddUrl}/gone`)).toMatchObject({ kind: 'gone', status: 410 });
  });
});
