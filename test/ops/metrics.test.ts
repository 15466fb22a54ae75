import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { collectFromDatabase } from '../../src/observability/database.collector.js';
import { collectGraphRequests } from '../../src/observability/graph-requests.collector.js';
import { HubMetrics } from '../../src/observability/hub-metrics.js';
import { loadSyncRun } from '../../src/observability/operability.js';
import { collectLiveEvents } from '../../src/observability/live-events.collector.js';
import {
  collectWebhookStats,
  instrumentWebhookRouter,
} from '../../src/observability/webhook.instrumentation.js';
import { runReadinessChecks } from '../../src/server/health.router.js';
import { InMemoryLiveEvents, LiveTopic } from '../../src/events/live-events.js';
import { newWebhookStats } from '../../src/webhooks/webhook-stats.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';
import { metricSum } from './dev-stack.helpers.js';

const scrape = (metrics: HubMetrics) => metrics.registry.metrics();
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('metrics collected from what the hub already has', () => {
  it('sync runs from SYNC_RUN_UPDATED: counted once per outcome, durations observed, in-progress gauge', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    const live = new InMemoryLiveEvents();
    const stop = collectLiveEvents(metrics, live, captureLogger().logger);
    const run = {
      runId: 'r1',
      connectorId: 'c1',
      companyId: 'co',
      partnerId: 'p',
      trigger: 'MANUAL',
      mode: 'FULL',
    };
    const startedAt = new Date('2026-01-01T00:00:00Z');
    await live.publish(LiveTopic.SYNC_RUN_UPDATED, { ...run, status: 'QUEUED' });
    await live.publish(LiveTopic.SYNC_RUN_UPDATED, { ...run, status: 'RUNNING', startedAt });
    await tick();
    expect(metricSum(await scrape(metrics), 'hub_sync_runs_in_progress')).toBe(1);
    for (let i = 0; i < 3; i++) {
      await live.publish(LiveTopic.SYNC_RUN_UPDATED, { ...run, status: 'RUNNING', startedAt });
    }
    const finished = {
      ...run,
      status: 'SUCCEEDED',
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 4_200),
    };
    await live.publish(LiveTopic.SYNC_RUN_UPDATED, finished);
    await live.publish(LiveTopic.SYNC_RUN_UPDATED, finished); // a repeated event counts once
    await live.publish(LiveTopic.SYNC_RUN_UPDATED, {
      ...run,
      runId: 'r2',
      trigger: 'POLL',
      status: 'NEEDS_APPROVAL',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + 1_000).toISOString(),
    });
    await live.publish(LiveTopic.CONNECTOR_STATUS_CHANGED, {
      connectorId: 'c1',
      companyId: 'co',
      partnerId: 'p',
      status: 'CONNECTED' as never,
      previousStatus: null,
      statusReason: null,
      changedAt: new Date(),
    });
    await tick();
    const text = await scrape(metrics);
    expect(metricSum(text, 'hub_sync_runs_total', { status: 'SUCCEEDED', trigger: 'MANUAL' })).toBe(
      1,
    );
    expect(
      metricSum(text, 'hub_sync_runs_total', { status: 'NEEDS_APPROVAL', trigger: 'POLL' }),
    ).toBe(1);
    // r1 seen QUEUED, r2 first seen already ended: both are runs seen.
    expect(metricSum(text, 'hub_sync_runs_started_total')).toBe(2);
    expect(metricSum(text, 'hub_sync_runs_in_progress')).toBe(0);
    expect(metricSum(text, 'hub_sync_run_duration_seconds_count')).toBe(2);
    expect(metricSum(text, 'hub_sync_run_duration_seconds_sum')).toBeCloseTo(5.2);
    expect(
      metricSum(text, 'hub_sync_run_duration_seconds_bucket', { le: '5', status: 'SUCCEEDED' }),
    ).toBe(1);
    expect(
      metricSum(text, 'hub_sync_run_duration_seconds_bucket', { le: '2.5', status: 'SUCCEEDED' }),
    ).toBe(0);
    expect(metricSum(text, 'hub_connector_status_changes_total', { status: 'CONNECTED' })).toBe(1);
    await live.close();
    await stop();
  });

  it('events that carry only the run id: the run is read from sync_runs', async () => {
    const db = await openTestConnection();
    const metrics = new HubMetrics({ defaultMetrics: false });
    const live = new InMemoryLiveEvents();
    const stop = collectLiveEvents(metrics, live, captureLogger().logger, (id) =>
      loadSyncRun(db.connection, id),
    );
    try {
      const runs = db.connection.collection('sync_runs');
      const { insertedId } = await runs.insertOne({
        connectorId: 'c1',
        trigger: 'WEBHOOK',
        mode: 'DELTA',
        status: 'RUNNING',
        requestedAt: new Date('2026-01-01T00:00:00Z'),
        startedAt: new Date('2026-01-01T00:00:01Z'),
        finishedAt: null,
      });
      const event = {
        runId: insertedId.toHexString(),
        connectorId: 'c1',
        companyId: 'co',
        partnerId: 'p',
      };
      await live.publish(LiveTopic.SYNC_RUN_UPDATED, event);
      await waitFor(
        async () => metricSum(await scrape(metrics), 'hub_sync_runs_in_progress') === 1,
        5_000,
        'a running run',
      );
      await runs.updateOne(
        { _id: insertedId },
        { $set: { status: 'PARTIAL', finishedAt: new Date('2026-01-01T00:00:03Z') } },
      );
      await live.publish(LiveTopic.SYNC_RUN_UPDATED, event);
      await live.publish(LiveTopic.SYNC_RUN_UPDATED, event);
      await waitFor(
        async () =>
          metricSum(await scrape(metrics), 'hub_sync_runs_total', {
            status: 'PARTIAL',
            trigger: 'WEBHOOK',
          }) === 1,
        5_000,
        'the run counted',
      );
      await live.publish(LiveTopic.SYNC_RUN_UPDATED, { ...event, runId: 'not-an-object-id' });
      await tick();
      const text = await scrape(metrics);
      expect(metricSum(text, 'hub_sync_runs_total')).toBe(1);
      expect(metricSum(text, 'hub_sync_runs_in_progress')).toBe(0);
      expect(metricSum(text, 'hub_sync_run_duration_seconds_sum', { mode: 'DELTA' })).toBeCloseTo(
        2,
      );
    } finally {
      await live.close();
      await stop();
      await db.close();
    }
  });

  describe('Graph requests and throttles from undici diagnostics', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url?.startsWith('/v1.0/users') && req.headers['x-throttle']) {
          res.writeHead(429, { 'retry-after': '1' }).end('{}');
        } else if (req.url?.includes('/oauth2/v2.0/token')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('counts Graph calls by status, 429s as throttles, token calls apart, and ignores other hosts', async () => {
      const metrics = new HubMetrics({ defaultMetrics: false });
      const stop = collectGraphRequests(metrics, { graphBaseUrl: base, authorityHost: base });
      const agent = new Agent();
      try {
        // Both the global fetch (Graph SDK) and undici's own fetch with a dispatcher (MSAL client).
        await (await fetch(`${base}/v1.0/users`)).text();
        await (await fetch(`${base}/v1.0/users`, { headers: { 'x-throttle': '1' } })).text();
        await (await undiciFetch(`${base}/v1.0/groups/x/members`, { dispatcher: agent })).text();
        await (
          await undiciFetch(`${base}/tenant/oauth2/v2.0/token`, {
            method: 'POST',
            body: 'x',
            dispatcher: agent,
          })
        ).text();
        await (await fetch(`${base}/healthz`)).text(); // neither Graph nor a token call
      } finally {
        stop();
        await agent.close();
      }
      await (await fetch(`${base}/v1.0/users`)).text(); // after stop: not counted
      const text = await scrape(metrics);
      expect(metricSum(text, 'hub_graph_requests_total', { status: '200' })).toBe(2);
      expect(metricSum(text, 'hub_graph_requests_total', { status: '429' })).toBe(1);
      expect(metricSum(text, 'hub_graph_throttled_total')).toBe(1);
      expect(metricSum(text, 'hub_entra_token_requests_total', { status: '200' })).toBe(1);
      expect(metricSum(text, 'hub_graph_request_duration_seconds_count')).toBe(3);
    });
  });

  it('connectors by status and the notification backlog come from the database at scrape time', async () => {
    const db = await openTestConnection();
    try {
      const metrics = new HubMetrics({ defaultMetrics: false });
      const connectors = db.connection.collection('connectors');
      await connectors.insertMany([
        { status: null, uninstalledAt: null },
        { status: 'CONNECTED', uninstalledAt: null },
        { status: 'CONNECTED', uninstalledAt: null },
        { status: 'UNAUTHORIZED', uninstalledAt: null },
        { status: 'DISABLED', uninstalledAt: new Date() }, // uninstalled: not counted
      ]);
      const oldest = new Date(Date.now() - 30_000);
      await db.connection.collection('change_notices').insertMany([
        { connectorId: 'a', count: 3, missed: false, receivedAt: oldest },
        { connectorId: 'b', count: 2, missed: false, receivedAt: new Date() },
      ]);
      await collectFromDatabase(metrics, db.connection);
      let text = await scrape(metrics);
      expect(metricSum(text, 'hub_connectors', { status: 'CONNECTED' })).toBe(2);
      expect(metricSum(text, 'hub_connectors', { status: 'NOT_SAVED' })).toBe(1);
      expect(metricSum(text, 'hub_connectors', { status: 'UNAUTHORIZED' })).toBe(1);
      expect(metricSum(text, 'hub_connectors', { status: 'DISABLED' })).toBe(0);
      expect(metricSum(text, 'hub_notification_backlog')).toBe(5);
      const lag = metricSum(text, 'hub_notification_lag_seconds');
      expect(lag).toBeGreaterThanOrEqual(29);
      expect(lag).toBeLessThan(120);

      await connectors.updateMany({ status: 'CONNECTED' }, { $set: { status: 'ERROR' } });
      await db.connection.collection('change_notices').deleteMany({});
      await collectFromDatabase(metrics, db.connection);
      text = await scrape(metrics);
      expect(metricSum(text, 'hub_connectors', { status: 'CONNECTED' })).toBe(0);
      expect(metricSum(text, 'hub_connectors', { status: 'ERROR' })).toBe(2);
      expect(metricSum(text, 'hub_notification_lag_seconds')).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('webhook acks: answers counted by endpoint and status, latency observed, receiver stats exported', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    const router = instrumentWebhookRouter(metrics, async (req, res) => {
      if (!req.url?.startsWith('/webhooks/graph')) return false;
      await new Promise((resolve) => setTimeout(resolve, 30));
      res.writeHead(req.url.includes('bad') ? 400 : 202).end();
      return true;
    });
    const server = createServer((req, res) => {
      void router(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fetch(`${url}/webhooks/graph`, { method: 'POST', body: '{}' });
      await fetch(`${url}/webhooks/graph/lifecycle`, { method: 'POST', body: '{}' });
      await fetch(`${url}/webhooks/graph?bad=1`, { method: 'POST', body: '{}' });
      await fetch(`${url}/elsewhere`);
    } finally {
      server.close();
    }
    const stats = newWebhookStats();
    stats.accepted = 7;
    stats.clientStateMismatch = 2;
    collectWebhookStats(metrics, stats);
    const text = await scrape(metrics);
    expect(
      metricSum(text, 'hub_webhook_requests_total', { endpoint: 'notifications', status: '202' }),
    ).toBe(1);
    expect(
      metricSum(text, 'hub_webhook_requests_total', { endpoint: 'lifecycle', status: '202' }),
    ).toBe(1);
    expect(metricSum(text, 'hub_webhook_requests_total', { status: '400' })).toBe(1);
    expect(metricSum(text, 'hub_webhook_requests_total')).toBe(3);
    expect(metricSum(text, 'hub_webhook_ack_duration_seconds_count')).toBe(3);
    expect(metricSum(text, 'hub_webhook_ack_duration_seconds_sum')).toBeGreaterThanOrEqual(0.08);
    expect(metricSum(text, 'hub_webhook_notifications', { outcome: 'accepted' })).toBe(7);
    expect(metricSum(text, 'hub_webhook_notifications', { outcome: 'clientStateMismatch' })).toBe(
      2,
    );
  });
});

describe('readiness checks', () => {
  it('a hanging or failing check makes the instance unready within the budget; all passing is ready', async () => {
    const started = Date.now();
    const report = await runReadinessChecks(
      [
        { name: 'database', check: () => new Promise<boolean>(() => undefined) },
        { name: 'scheduler', check: () => false },
        { name: 'extra', check: () => Promise.reject(new Error('boom')) },
        { name: 'fine', check: () => true },
      ],
      200,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report).toEqual({ ready: false, failing: ['database', 'scheduler', 'extra'] });
    expect(
      await runReadinessChecks([{ name: 'fine', check: () => Promise.resolve(true) }]),
    ).toEqual({
      ready: true,
      failing: [],
    });
  });
});
