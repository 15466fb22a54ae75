import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import {
  changeNoticeModel,
  type ChangeNoticeModel,
} from '../../src/db/models/change-notice.model.js';
import {
  graphSubscriptionModel,
  type GraphSubscriptionModel,
} from '../../src/db/models/graph-subscription.model.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import type { WebhookStats } from '../../src/webhooks/webhook-stats.js';
import {
  makeChangeNotification,
  makeLifecycleNotification,
  makeSubscription,
} from '../builders/graph-notifications.js';
import { openTestConnection } from '../helpers/database.js';
import { pendingChanges } from '../helpers/notices.js';
import { serveRouter } from '../helpers/http.js';
import { captureLogger, type CapturedLogger } from '../helpers/logger.js';
import { RecordingScheduler } from '../helpers/recording-scheduler.js';
import { waitFor } from '../helpers/wait.js';

describe('Graph webhook receiver over HTTP', () => {
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let server: Awaited<ReturnType<typeof serveRouter>>;
  let subscriptions: GraphSubscriptionModel;
  let notices: ChangeNoticeModel;
  let scheduler: RecordingScheduler;
  let stats: WebhookStats;
  let logs: CapturedLogger;
  const sub = makeSubscription();

  beforeAll(async () => {
    ({ connection, close: closeDb } = await openTestConnection());
    subscriptions = graphSubscriptionModel(connection);
    notices = changeNoticeModel(connection);
    await subscriptions.create(sub.record);
    scheduler = new RecordingScheduler();
    logs = captureLogger();
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      logger: logs.logger,
      maxBodyBytes: 64 * 1024,
    });
    stats = receiver.stats;
    server = await serveRouter(receiver.router);
  });
  afterAll(async () => {
    await server?.close();
    await closeDb?.();
  });
  beforeEach(async () => {
    await notices.deleteMany({});
    scheduler.changed = [];
    scheduler.attention = [];
  });

  const post = (path: string, body: unknown, contentType = 'application/json') =>
    fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  describe('validation handshake', () => {
    it.each(['/webhooks/graph', '/webhooks/graph/lifecycle'])(
      'answers %s with the URL-decoded token as text/plain, never as markup',
      async (path) => {
        const token = 'Validation: Testing <script>alert("x")</script> & ünïcode %41 +plus';
        const res = await fetch(
          `${server.baseUrl}${path}?validationToken=${encodeURIComponent(token)}`,
          { method: 'POST', headers: { 'content-type': 'text/plain' } },
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(await res.text()).toBe(token);
      },
    );

    it('decodes form-style: + is a space, %2B is a plus', async () => {
      const res = await fetch(`${server.baseUrl}/webhooks/graph?validationToken=a+b%2Bc`, {
        method: 'POST',
      });
      expect(await res.text()).toBe('a b+c');
    });
  });

  it('persists a change notice, answers 202 and then hands the connector to the scheduler', async () => {
    const res = await post('/webhooks/graph', { value: [makeChangeNotification(sub)] });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    // The notice is in the database by the time the 202 is read: persisted before the ack.
    expect(await pendingChanges(connection, sub.record.connectorId)).toEqual({
      notices: 1,
      count: 1,
      missed: false,
    });
    await waitFor(() => scheduler.changed.length === 1, 5_000, 'the hand-off');
    expect(scheduler.changed).toEqual([sub.record.connectorId]);
  });

  it('records several notifications of one POST as one notice', async () => {
    const value = Array.from({ length: 5 }, () => makeChangeNotification(sub));
    expect((await post('/webhooks/graph', { value })).status).toBe(202);
    expect(await pendingChanges(connection, sub.record.connectorId)).toMatchObject({
      notices: 1,
      count: 5,
    });
  });

  it.each([
    ['malformed JSON', '{"value": [', 'application/json', 400],
    ['a body of the wrong shape', { value: [{ nope: true }] }, 'application/json', 400],
    ['an empty value array', { value: [] }, 'application/json', 400],
    ['a JSON array', [1, 2], 'application/json', 400],
    ['the wrong content type', { value: [] }, 'text/plain', 415],
    ['form data', 'value=1', 'application/x-www-form-urlencoded', 415],
  ])('refuses %s and keeps serving', async (_, body, contentType, status) => {
    const res = await post('/webhooks/graph', body, contentType);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await notices.countDocuments()).toBe(0);
    const ok = await post('/webhooks/graph', { value: [makeChangeNotification(sub)] });
    expect(ok.status).toBe(202);
  });

  it('refuses an oversized body with 413, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({
      value: [makeChangeNotification(sub, { resource: 'x'.repeat(200 * 1024) })],
    });
    const declared = await post('/webhooks/graph', big).catch((e: unknown) => e);
    if (declared instanceof Response) expect(declared.status).toBe(413);

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new Uint8Array(1024).fill(32));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.baseUrl}/webhooks/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    }).catch((e: unknown) => e);
    if (streamed instanceof Response) expect(streamed.status).toBe(413);

    expect(stats.tooLarge).toBe(2);
    const ok = await post('/webhooks/graph', { value: [makeChangeNotification(sub)] });
    expect(ok.status).toBe(202);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(`${server.baseUrl}/webhooks/graph`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('ignores a wrong clientState without acting on it or logging the value', async () => {
    const before = stats.clientStateMismatch;
    const guess = 'guessed-secret-value-0123456789';
    const res = await post('/webhooks/graph', {
      value: [makeChangeNotification(sub, { clientState: guess })],
    });
    expect(res.status).toBe(202);
    expect(await notices.countDocuments()).toBe(0);
    expect(stats.clientStateMismatch).toBe(before + 1);
    expect(logs.text()).toContain(sub.record._id);
    expect(logs.text()).not.toContain(guess);
    expect(logs.text()).not.toContain(sub.clientState);
    expect(scheduler.changed).toEqual([]);
  });

  it('ignores a missing clientState and a foreign tenant', async () => {
    const res = await post('/webhooks/graph', {
      value: [
        makeChangeNotification(sub, { clientState: null }),
        makeChangeNotification(sub, { tenantId: '99999999-2222-3333-4444-555555555555' }),
      ],
    });
    expect(res.status).toBe(202);
    expect(await notices.countDocuments()).toBe(0);
  });

  it('ignores a notification for an unknown subscription', async () => {
    const stranger = makeSubscription();
    const before = stats.unknownSubscription;
    const res = await post('/webhooks/graph', { value: [makeChangeNotification(stranger)] });
    expect(res.status).toBe(202);
    expect(await notices.countDocuments()).toBe(0);
    expect(stats.unknownSubscription).toBe(before + 1);
  });

  it('acts on the authentic notifications of a mixed POST only', async () => {
    const res = await post('/webhooks/graph', {
      value: [
        makeChangeNotification(sub, { clientState: 'wrong' }),
        makeChangeNotification(makeSubscription()),
        makeChangeNotification(sub),
      ],
    });
    expect(res.status).toBe(202);
    expect(await pendingChanges(connection, sub.record.connectorId)).toMatchObject({ count: 1 });
  });

  describe('lifecycle notifications', () => {
    it('flags the subscription on reauthorizationRequired and asks for attention', async () => {
      const res = await post('/webhooks/graph/lifecycle', {
        value: [makeLifecycleNotification(sub, 'reauthorizationRequired')],
      });
      expect(res.status).toBe(202);
      const stored = await subscriptions.findById(sub.record._id).lean();
      expect(stored?.reauthorizationRequestedAt).toBeInstanceOf(Date);
      await waitFor(() => scheduler.attention.length === 1, 5_000, 'attention');
      expect(await notices.countDocuments()).toBe(0);
    });

    it('marks the connector for a delta sync on missed', async () => {
      const res = await post('/webhooks/graph/lifecycle', {
        value: [makeLifecycleNotification(sub, 'missed')],
      });
      expect(res.status).toBe(202);
      expect(await pendingChanges(connection, sub.record.connectorId)).toMatchObject({
        count: 1,
        missed: true,
      });
    });

    it('flags a removed subscription for recreation and syncs the gap', async () => {
      const other = makeSubscription({ connectorId: sub.record.connectorId });
      await subscriptions.create(other.record);
      const res = await post('/webhooks/graph/lifecycle', {
        value: [makeLifecycleNotification(other, 'subscriptionRemoved')],
      });
      expect(res.status).toBe(202);
      expect((await subscriptions.findById(other.record._id).lean())?.removedAt).toBeInstanceOf(
        Date,
      );
      expect((await pendingChanges(connection, sub.record.connectorId)).count).toBe(1);
    });

    it('ignores unknown lifecycle events and forged ones', async () => {
      const res = await post('/webhooks/graph/lifecycle', {
        value: [
          makeLifecycleNotification(sub, 'somethingNew'),
          makeLifecycleNotification(sub, 'subscriptionRemoved', { clientState: 'forged' }),
        ],
      });
      expect(res.status).toBe(202);
      expect((await subscriptions.findById(sub.record._id).lean())?.removedAt).toBeNull();
      expect(stats.unknownLifecycleEvent).toBeGreaterThan(0);
    });
  });
});

describe('Graph webhook receiver when the database cannot persist', () => {
  it('answers 503 (Graph retries) instead of acknowledging what it could not store', async () => {
    const { connection, close } = await openTestConnection();
    const sub = makeSubscription();
    await graphSubscriptionModel(connection).create(sub.record);
    const scheduler = new RecordingScheduler();
    const logs = captureLogger();
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      logger: logs.logger,
      maxBodyBytes: 64 * 1024,
      persistTimeoutMs: 500,
    });
    // Warm the subscription cache, then make the notice write fail.
    const collection = changeNoticeModel(connection).collection;
    const server = await serveRouter(receiver.router);
    try {
      const body = JSON.stringify({ value: [makeChangeNotification(sub)] });
      const send = () =>
        fetch(`${server.baseUrl}/webhooks/graph`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      expect((await send()).status).toBe(202);
      const original = collection.insertMany.bind(collection);
      collection.insertMany = () => Promise.reject(new Error('disk full'));
      const res = await send();
      collection.insertMany = original;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(receiver.stats.persistFailures).toBe(1);
      expect(scheduler.changed).toHaveLength(1);
    } finally {
      await server.close();
      await close();
    }
  });
});
