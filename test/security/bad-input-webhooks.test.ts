/**
 * Bad input on the Graph webhook endpoints, table-driven: each request gets a clear answer (the
 * status Graph and attackers should see), the process keeps serving, and the database is
 * byte-for-byte what it was. One good notification proves the checks can see a change.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WebhookStats } from '../../src/webhooks/webhook-stats.js';
import { startSecurityHub, type SecurityHub, type Tenant } from './support.js';

interface WebhookCase {
  name: string;
  path?: string;
  method?: string;
  query?: string;
  contentType?: string | null;
  /** Sent by tenant A; `other` is tenant B. */
  body?: (t: Tenant, other: Tenant) => string | Buffer;
  status: number;
  /** The plain-text body the receiver answers with (rejections name their reason). */
  text?: string;
  /** Counters that must have moved by exactly this much. */
  counted?: Partial<WebhookStats>;
  /** A log line that must mention this (never the value sent). */
  logged?: RegExp;
}

const item = (subscriptionId: string, clientState: string | null) => ({
  subscriptionId,
  clientState,
  changeType: 'updated',
  resource: `Users/${randomUUID()}`,
});
const notification = (subscriptionId: string, clientState: string | null) =>
  JSON.stringify({ value: [item(subscriptionId, clientState)] });

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x61);

const CASES: WebhookCase[] = [
  {
    name: 'malformed JSON',
    body: () => '{"value": [{"subscriptionId": ',
    status: 400,
    text: 'MALFORMED\n',
    counted: { malformed: 1 },
  },
  {
    name: 'JSON that is not an object',
    body: () => '"value"',
    status: 400,
    text: 'MALFORMED\n',
    counted: { malformed: 1 },
  },
  {
    name: 'wrong content type (valid JSON as text/plain)',
    contentType: 'text/plain',
    body: (t) => notification(t.subscriptionId, t.clientState),
    status: 415,
    text: 'UNSUPPORTED_MEDIA_TYPE\n',
    counted: { unsupportedMediaType: 1 },
  },
  {
    name: 'no content type',
    contentType: null,
    body: (t) => notification(t.subscriptionId, t.clientState),
    status: 415,
    counted: { unsupportedMediaType: 1 },
  },
  {
    name: '10 MB body',
    body: () => TEN_MB,
    status: 413,
    text: 'PAYLOAD_TOO_LARGE\n',
    counted: { tooLarge: 1 },
  },
  {
    name: 'missing value',
    body: () => '{}',
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'empty value',
    body: () => '{"value":[]}',
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'notification without subscriptionId',
    body: () => JSON.stringify({ value: [{ changeType: 'updated', resource: 'Users/x' }] }),
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'notification with a 100 kB subscriptionId',
    body: (t) => notification('s'.repeat(100_000), t.clientState),
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'more than 1,000 notifications in one body',
    body: (t) =>
      JSON.stringify({
        value: Array.from({ length: 1_001 }, () => item(t.subscriptionId, t.clientState)),
      }),
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'unknown subscription (acknowledged, ignored)',
    body: (t) => notification(randomUUID(), t.clientState),
    status: 202,
    // Counted at once; the warning is one aggregated line per minute (abuse-limits.test.ts).
    counted: { unknownSubscription: 1, accepted: 0 },
  },
  {
    name: 'wrong clientState (acknowledged, ignored)',
    body: (t) => notification(t.subscriptionId, randomUUID()),
    status: 202,
    counted: { clientStateMismatch: 1, accepted: 0 },
  },
  {
    name: "another tenant's clientState",
    body: (t, other) => notification(t.subscriptionId, other.clientState),
    status: 202,
    counted: { clientStateMismatch: 1, accepted: 0 },
  },
  {
    name: 'missing clientState',
    body: (t) => notification(t.subscriptionId, null),
    status: 202,
    counted: { clientStateMismatch: 1, accepted: 0 },
  },
  {
    name: 'lifecycle: malformed JSON',
    path: '/webhooks/graph/lifecycle',
    body: () => '{"value":',
    status: 400,
    counted: { malformed: 1 },
  },
  {
    name: 'lifecycle: wrong clientState',
    path: '/webhooks/graph/lifecycle',
    body: (t) =>
      JSON.stringify({
        value: [
          {
            subscriptionId: t.subscriptionId,
            clientState: randomUUID(),
            lifecycleEvent: 'subscriptionRemoved',
          },
        ],
      }),
    status: 202,
    counted: { clientStateMismatch: 1, accepted: 0 },
  },
  {
    name: 'GET instead of POST',
    method: 'GET',
    status: 405,
  },
  {
    name: 'validation token over 4 kB',
    query: `validationToken=${'x'.repeat(5_000)}`,
    status: 400,
    counted: { malformed: 1 },
  },
];

describe('webhook endpoints refuse bad input and change nothing', () => {
  let s: SecurityHub;
  beforeAll(async () => {
    s = await startSecurityHub();
  });
  afterAll(() => s.stop());

  async function send(c: {
    path?: string;
    method?: string;
    query?: string;
    contentType?: string | null;
    body?: string | Buffer;
  }) {
    const headers: Record<string, string> = {};
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    const response = await fetch(
      `${s.url}${c.path ?? '/webhooks/graph'}${c.query ? `?${c.query}` : ''}`,
      {
        method: c.method ?? 'POST',
        headers,
        ...(c.body === undefined ? {} : { body: c.body }),
      },
    );
    return { response, text: await response.text() };
  }

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await s.snapshot();
    const stats = { ...s.stats };
    const logCount = s.h.logLines.length;
    const { response, text } = await send({ ...c, body: c.body?.(s.a, s.b) });

    expect(response.status).toBe(c.status);
    // Never anything a browser would render: answers are empty or plain text.
    expect(response.headers.get('content-type') ?? 'text/plain').toMatch(/^text\/plain/);
    if (c.text !== undefined) expect(text).toBe(c.text);
    for (const [key, delta] of Object.entries(c.counted ?? {})) {
      expect(s.stats[key as keyof WebhookStats] - stats[key as keyof WebhookStats]).toBe(delta);
    }
    if (c.logged) {
      expect(s.h.logLines.slice(logCount).join('')).toMatch(c.logged);
    }
    expect(s.scheduler.changed).toEqual([]);
    await s.assertServing();
    expect(await s.snapshot()).toEqual(before);
  });

  it('answers a validation token with markup as text/plain, never as HTML', async () => {
    for (const token of [
      '<script>alert(1)</script>',
      '<html><body onload="alert(1)">x</body></html>',
      '"><img src=x onerror=alert(1)>',
    ]) {
      const before = await s.snapshot();
      const { response, text } = await send({
        query: `validationToken=${encodeURIComponent(token)}`,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Echoed exactly, as Graph requires, but as text the browser must not sniff.
      expect(text).toBe(token);
      await s.assertServing();
      expect(await s.snapshot()).toEqual(before);
    }
  });

  it('logs a clientState mismatch without the value that was sent', async () => {
    const sent = `forged-${randomUUID()}`;
    const logCount = s.h.logLines.length;
    await send({ body: notification(s.a.subscriptionId, sent) });
    const logged = s.h.logLines.slice(logCount).join('');
    expect(logged).toContain(s.a.subscriptionId);
    expect(logged).not.toContain(sent);
  });

  it('positive control: a genuine notification is persisted (the snapshot sees changes)', async () => {
    const before = await s.snapshot();
    const { response } = await send({ body: notification(s.b.subscriptionId, s.b.clientState) });
    expect(response.status).toBe(202);
    expect(s.scheduler.changed).toEqual([s.b.connectorId]);
    expect(await s.snapshot()).not.toEqual(before);
    s.scheduler.changed.length = 0;
  });
});
