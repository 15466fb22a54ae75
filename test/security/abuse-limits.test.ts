/**
 * Abuse limits with rate-limiter-flexible's MongoDB store on the test database (FerretDB when no
 * mongod is installed): anonymous requests per IP, GraphQL per caller (HTTP and WebSocket share
 * the budget), caps on sockets and running operations per caller; 429 + Retry-After +
 * RATE_LIMITED, one log line. Graph's webhook deliveries are never throttled, and warnings about
 * unknown subscriptions are one line per window.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NotificationIntake } from '../../src/webhooks/notification-intake.service.js';
import { ChangeNoticeWriter } from '../../src/webhooks/change-notices.js';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { SubscriptionLookup } from '../../src/webhooks/subscription-lookup.js';
import { newWebhookStats } from '../../src/webhooks/webhook-stats.js';
import { captureLogger } from '../helpers/logger.js';
import { RecordingScheduler } from '../helpers/recording-scheduler.js';
import { waitFor } from '../helpers/wait.js';
import { startSecurityHub, type SecurityHub } from './support.js';

let s: SecurityHub;
beforeAll(async () => {
  s = await startSecurityHub({
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '5',
    RATE_LIMIT_CALLER_PER_MINUTE: '8',
    WS_MAX_CONNECTIONS_PER_CALLER: '2',
    WS_MAX_SUBSCRIPTIONS_PER_CALLER: '2',
  });
});
afterAll(() => s.stop());

async function post(auth: string | null, query = '{ companies { id } }') {
  const response = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
  };
}

describe('request budgets', () => {
  it('anonymous requests per IP: 429, Retry-After, RATE_LIMITED, one log line each', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await post('Bearer garbage'));
    expect(answers.slice(0, 5).map((a) => a.body.errors?.[0]?.extensions?.code)).toEqual(
      Array(5).fill('UNAUTHENTICATED'),
    );
    const refused = answers[6]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const lines = s.h.logLines.filter(
      (l) => l.includes('request refused') && l.includes('RATE_LIMITED'),
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('')).not.toContain('garbage');
  });

  it('per caller, over HTTP and WebSocket together; other callers are not affected', async () => {
    const jwt = `Bearer ${await s.h.jwt({ role: 'PARTNER_ADMIN', partnerId: s.a.partnerId, sub: 'budget' })}`;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(jwt)).status);
    const client = s.h.ws(jwt);
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve) =>
        client.subscribe(
          { query: '{ companies { id } }' },
          {
            next: (r) => void codes.push((r.errors ?? []).map((e) => e.extensions?.['code'])),
            error: (e) => {
              codes.push(
                (e as { extensions?: { code?: unknown } }[]).map((x) => x.extensions?.code),
              );
              resolve();
            },
            complete: () => resolve(),
          },
        ),
      );
    }
    expect(statuses).toEqual(Array(6).fill(200));
    expect(codes.flat()).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect((await post(`Bearer ${s.a.partner}`)).status).toBe(200);
  });

  it('caps sockets and running subscriptions per caller', async () => {
    const jwt = await s.h.jwt({ role: 'COMPANY_ADMIN', companyId: s.b.companyId, sub: 'sockets' });
    const closed: number[] = [];
    const clients = [1, 2, 3].map(() => {
      const client = s.h.ws(jwt);
      client.on('closed', (event) => void closed.push((event as { code: number }).code));
      return client;
    });
    await waitFor(() => closed.length > 0, 5_000, 'the third socket to be refused');
    expect(closed).toEqual([4403]);
    const errors: unknown[] = [];
    const query = 'subscription { connectorStatusChanged { status } }';
    for (let i = 0; i < 3; i++) {
      clients[0]!.subscribe(
        { query },
        { next: () => undefined, error: (e) => void errors.push(e), complete: () => undefined },
      );
    }
    await waitFor(() => errors.length > 0, 5_000, 'the third subscription to be refused');
    expect(JSON.stringify(errors)).toContain('RATE_LIMITED');
  });
});

describe('Graph webhook deliveries', () => {
  it('are never throttled, however many come from one address', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${s.url}/webhooks/graph`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          value: [
            {
              subscriptionId: s.a.subscriptionId,
              clientState: s.a.clientState,
              changeType: 'updated',
              resource: 'users/x',
              tenantId: undefined,
            },
          ],
        }),
      });
      statuses.add(response.status);
    }
    expect([...statuses]).toEqual([202]);
  });

  it('warnings about unknown subscriptions are one line per window, with the count', async () => {
    const logs = captureLogger('debug');
    const subscriptions = graphSubscriptionModel(s.h.connection);
    const intake = new NotificationIntake({
      subscriptions,
      notices: new ChangeNoticeWriter(changeNoticeModel(s.h.connection)),
      lookup: new SubscriptionLookup(subscriptions),
      scheduler: new RecordingScheduler(),
      stats: newWebhookStats(),
      logger: logs.logger,
      unknownWarningIntervalMs: 200,
    });
    const items = Array.from({ length: 1_000 }, () => ({
      subscriptionId: randomUUID(),
      clientState: 'x',
      changeType: 'updated',
      resource: 'users/x',
    }));
    await intake.accept(items);
    await intake.accept(items.slice(0, 10));
    await waitFor(() => logs.text().includes('unknown subscriptions'), 5_000, 'the warning');
    const warnings = logs
      .text()
      .split('\n')
      .filter((l) => l.includes('unknown subscriptions'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"count":1010');
  });
});
