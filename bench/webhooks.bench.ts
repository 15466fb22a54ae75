/**
 * `npm run bench:webhooks`: figures for the real-time layer, printed as a table and as JSON.
 * Never pass/fail: it reports medians over several runs on whatever database the tests use
 * (MONGODB_URI, else mongodb-memory-server, else FerretDB).
 *
 *   1. validation handshake latency at 500 requests/s over HTTP (median, p99);
 *   2. notification ack latency at 500 notifications/s through the real receiver, with Agenda,
 *      the processor and a cheap SyncRequester behind it (median, p99, delta syncs requested);
 *   3. poll capacity: how many idle connectors one instance dispatches per minute (a tick that
 *      finds every connector due), and a paced run through Agenda over one poll interval.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { pino } from 'pino';
import { loadProvisionConfig } from '../src/config.js';
import { changeNoticeModel } from '../src/db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../src/db/models/graph-subscription.model.js';
import { jobCursorModel } from '../src/db/models/job-cursor.model.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import type { SyncRequester } from '../src/domain/connector.js';
import { MongoEventBus } from '../src/events/mongo-event-bus.js';
import { AgendaWakeupChannel } from '../src/jobs/agenda-wakeup-channel.js';
import { JobName } from '../src/jobs/job-names.js';
import { AgendaNotificationScheduler } from '../src/jobs/notification-scheduler.js';
import { definePollConnectorsJob } from '../src/jobs/poll-connectors.job.js';
import { defineProcessNotificationJobs } from '../src/jobs/process-notifications.job.js';
import { agendaJobExists, createScheduler } from '../src/jobs/scheduler.js';
import { SpreadDispatcher } from '../src/jobs/spread-dispatcher.js';
import { hashClientState } from '../src/webhooks/client-state.js';
import { NoticeActivity } from '../src/webhooks/notice-activity.js';
import { NotificationProcessor } from '../src/webhooks/notification-processor.js';
import type { WebhookRouter } from '../src/webhooks/webhook.router.js';
import { createGraphWebhookReceiver } from '../src/webhooks/webhook-receiver.js';
import { notificationRequests, receiverLoad, validationRequests } from './support/receiver-load.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const RATE = 500;
const logger = pino({ level: 'silent' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const median = (values: number[]) => percentile(values, 50);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function serveRouter(router: WebhookRouter) {
  const server = createServer((req, res) => {
    void router(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class CheapSyncRequester implements SyncRequester {
  calls = 0;
  /** With a connection: one upsert per request, like a sync engine recording a queued run. */
  constructor(private readonly connection?: Connection) {}
  async requestSync(connectorId: string): Promise<{ runId: string }> {
    this.calls += 1;
    await this.connection
      ?.db!.collection('bench_queued_runs')
      .updateOne(
        { _id: connectorId as never },
        { $set: { requestedAt: new Date() }, $inc: { requests: 1 } },
        { upsert: true },
      );
    return { runId: `${connectorId}-${this.calls}` };
  }
}

async function withDb<T>(serverUri: string, work: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_${randomUUID().slice(0, 8)}`))
    .asPromise();
  try {
    return await work(connection);
  } finally {
    // Best effort: a database that fell behind under load must not lose the figures.
    await connection.dropDatabase().catch((error: unknown) => {
      console.error(`[bench] could not drop the bench database: ${String(error)}`);
    });
    await connection.close();
  }
}

async function benchReceiver(serverUri: string) {
  return withDb(serverUri, async (connection) => {
    const db = connection.db!;
    const bus = await MongoEventBus.start({ db, cappedBytes: 4_194_304, logger });
    const agenda = createScheduler({
      db,
      instanceName: `bench-${randomUUID().slice(0, 8)}`,
      processEveryMs: 1_000,
      defaultLockLifetimeMs: 60_000,
      notificationChannel: new AgendaWakeupChannel(bus),
    });
    const requester = new CheapSyncRequester(connection);
    // Wired as src/runtime/start-hub-runtime.ts wires them.
    const activity = new NoticeActivity();
    const processor = new NotificationProcessor({
      notices: changeNoticeModel(connection),
      syncRequester: requester,
      logger,
      activity,
    });
    defineProcessNotificationJobs(agenda, { processor, logger, sweepQuietMs: 5_000 });
    const scheduler = new AgendaNotificationScheduler(agenda, logger, {
      activity,
      jobExists: agendaJobExists(db),
    });
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      activity,
      logger,
      maxBodyBytes: 1_048_576,
    });
    const server = await serveRouter(receiver.router);
    await agenda.start();

    // 50 connectors, one /users subscription each; notifications spread across them.
    const subs = Array.from({ length: 50 }, (_, i) => ({
      id: randomUUID(),
      connectorId: `bench-connector-${i}`,
      clientState: randomUUID(),
    }));
    await graphSubscriptionModel(connection).insertMany(
      subs.map((s) => ({
        _id: s.id,
        connectorId: s.connectorId,
        tenantId: '11111111-2222-3333-4444-555555555555',
        resource: '/users',
        changeType: 'updated,deleted',
        clientStateHash: hashClientState(s.clientState),
        expiresAt: new Date(Date.now() + 86_400_000),
        renewAfter: new Date(Date.now() + 43_200_000),
      })),
    );
    const validation = await receiverLoad(validationRequests(server.baseUrl, RATE * 2), RATE);
    const count = RATE * 3;
    const notify = await receiverLoad(
      notificationRequests(server.baseUrl, subs, count, '11111111-2222-3333-4444-555555555555'),
      RATE,
    );
    if (notify.unavailable > 0) throw new Error(`${notify.unavailable} notifications answered 503`);
    const notices = changeNoticeModel(connection);
    const drainStarted = performance.now();
    while ((await notices.countDocuments()) > 0) {
      if (performance.now() - drainStarted > 60_000) break;
      await sleep(100);
    }
    const drainMs = performance.now() - drainStarted;
    scheduler.close();
    await agenda.stop(false);
    await server.close();
    await bus.close();
    return {
      validation,
      notify,
      syncRequests: requester.calls,
      notifications: count,
      connectors: subs.length,
      drainMs,
      rejected: receiver.stats.clientStateMismatch + receiver.stats.unknownSubscription,
    };
  });
}

async function benchPollCapacity(serverUri: string, connectors: number, persist: boolean) {
  return withDb(serverUri, async (connection) => {
    const ids = Array.from({ length: connectors }, (_, i) => `poll-${i}`);
    const requester = new CheapSyncRequester(persist ? connection : undefined);
    const dispatcher = new SpreadDispatcher({
      key: 'bench-capacity',
      salt: 'poll',
      intervalMs: 60_000,
      firstWindowMs: 60_000, // every connector due in this one tick
      maxCatchUpMs: 60_000,
      concurrency: 32,
      cursors: jobCursorModel(connection),
      listIds: () => Promise.resolve(ids),
      dispatch: async (id) => {
        await requester.requestSync(id);
      },
      logger,
    });
    const t0 = performance.now();
    const result = await dispatcher.tick();
    const ms = performance.now() - t0;
    return { dispatched: result.dispatched, ms, perMinute: (result.dispatched / ms) * 60_000 };
  });
}

/** Through Agenda, paced: `connectors` polled over one `intervalMs`; how many made it in time. */
async function benchPollPaced(serverUri: string, connectors: number, intervalMs: number) {
  return withDb(serverUri, async (connection) => {
    const ids = Array.from({ length: connectors }, (_, i) => `paced-${i}`);
    const requester = new CheapSyncRequester(connection);
    const agenda = createScheduler({
      db: connection.db!,
      instanceName: `bench-poll-${randomUUID().slice(0, 8)}`,
      processEveryMs: 250,
      defaultLockLifetimeMs: 60_000,
    });
    const tickMs = Math.max(Math.round(intervalMs / 12), 250);
    definePollConnectorsJob(agenda, {
      cursors: jobCursorModel(connection),
      registry: { listActiveConnectorIds: () => Promise.resolve(ids) },
      syncRequester: requester,
      pollIntervalMs: intervalMs,
      tickMs,
      logger,
      lockLifetimeMs: 60_000,
    });
    await agenda.every(tickMs, JobName.POLL_CONNECTORS);
    await agenda.start();
    await sleep(intervalMs + tickMs);
    await agenda.stop(false);
    const polled = await connection.db!.collection('bench_queued_runs').countDocuments();
    return { connectors, intervalMs, polled, perMinute: (polled / intervalMs) * 60_000 };
  });
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
try {
  const receiverRuns = [];
  const capacityRuns = [];
  const capacityPersistRuns = [];
  const pacedRuns = [];
  for (let run = 0; run < RUNS; run++) {
    receiverRuns.push(await benchReceiver(handle.uri));
    capacityRuns.push(await benchPollCapacity(handle.uri, 10_000, false));
    capacityPersistRuns.push(await benchPollCapacity(handle.uri, 2_000, true));
    pacedRuns.push(await benchPollPaced(handle.uri, 2_500, 15_000));
  }
  const figures = {
    database: handle.provider,
    runs: RUNS,
    validation: {
      ratePerSecond: RATE,
      medianMs: round(median(receiverRuns.map((r) => median(r.validation)))),
      p99Ms: round(median(receiverRuns.map((r) => percentile(r.validation, 99)))),
    },
    notificationAck: {
      ratePerSecond: RATE,
      notificationsPerRun: receiverRuns[0]!.notifications,
      connectors: receiverRuns[0]!.connectors,
      medianMs: round(median(receiverRuns.map((r) => median(r.notify)))),
      p99Ms: round(median(receiverRuns.map((r) => percentile(r.notify, 99)))),
      deltaSyncRequests: median(receiverRuns.map((r) => r.syncRequests)),
      noticesDrainedAfterLastAckMs: round(median(receiverRuns.map((r) => r.drainMs)), 0),
      rejected: Math.max(...receiverRuns.map((r) => r.rejected)),
    },
    pollCapacity: {
      connectors: 10_000,
      tickMs: round(median(capacityRuns.map((r) => r.ms)), 0),
      connectorsPerMinute: round(median(capacityRuns.map((r) => r.perMinute)), 0),
      withOneUpsertPerRequest: {
        connectors: 2_000,
        tickMs: round(median(capacityPersistRuns.map((r) => r.ms)), 0),
        connectorsPerMinute: round(median(capacityPersistRuns.map((r) => r.perMinute)), 0),
      },
    },
    pollPaced: {
      connectors: pacedRuns[0]!.connectors,
      intervalMs: pacedRuns[0]!.intervalMs,
      polledWithinInterval: median(pacedRuns.map((r) => r.polled)),
      equivalentConnectorsPerMinute: round(median(pacedRuns.map((r) => r.perMinute)), 0),
    },
    endToEnd: {
      note:
        'needs the whole stack (emulator subscriptions + sync engine): webhook -> sync started ' +
        'and poll -> sync started latency are measured at integration time',
      webhookToSyncStartedMs: null,
      pollToSyncStartedMs: null,
    },
  };
  const rows: [string, string][] = [
    ['database', `${figures.database} (${RUNS} runs, medians)`],
    [
      `validation @${RATE}/s`,
      `median ${figures.validation.medianMs} ms, p99 ${figures.validation.p99Ms} ms`,
    ],
    [
      `notification ack @${RATE}/s`,
      `median ${figures.notificationAck.medianMs} ms, p99 ${figures.notificationAck.p99Ms} ms`,
    ],
    [
      'delta syncs requested',
      `${figures.notificationAck.deltaSyncRequests} for ${figures.notificationAck.notificationsPerRun} notifications on ${figures.notificationAck.connectors} connectors`,
    ],
    [
      'poll capacity (in-memory requester)',
      `${figures.pollCapacity.connectorsPerMinute} connectors/min (10,000 in ${figures.pollCapacity.tickMs} ms)`,
    ],
    [
      'poll capacity (one upsert per request)',
      `${figures.pollCapacity.withOneUpsertPerRequest.connectorsPerMinute} connectors/min (2,000 in ${figures.pollCapacity.withOneUpsertPerRequest.tickMs} ms)`,
    ],
    [
      'poll paced through Agenda',
      `${figures.pollPaced.polledWithinInterval}/${figures.pollPaced.connectors} in ${figures.pollPaced.intervalMs / 1000} s = ${figures.pollPaced.equivalentConnectorsPerMinute}/min`,
    ],
    ['end-to-end webhook/poll -> sync', 'measured by `npm run bench:realtime` (whole service)'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nReal-time layer benchmark');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
} finally {
  await handle.stop();
}
// Agenda 6 leaves a liveness timer per job run that stopping it does not clear: the figures are
// printed, so end here instead of waiting out the timers.
process.exit(process.exitCode ?? 0);
