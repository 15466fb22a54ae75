/**
 * The backoff of scheduled syncs after failed runs: the arithmetic, the connector document
 * (count and retry time, also when several instances record failures at once), and the filter
 * the poll and reconcile dispatchers apply through the registry's query.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { loadConfig } from '../../src/config.js';
import { ConnectorRegistryService } from '../../src/connectors/connector-registry.service.js';
import type { ConnectorStatusPublisher } from '../../src/connectors/connector-status.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { changeNoticeModel } from '../../src/db/models/change-notice.model.js';
import { companyModel } from '../../src/db/models/company.model.js';
import { connectorModel, type ConnectorModel } from '../../src/db/models/connector.model.js';
import { jobCursorModel } from '../../src/db/models/job-cursor.model.js';
import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  SyncTrigger,
  type SyncOutcome,
  ConnectorKind,
} from '../../src/domain/connector.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { DEFAULT_SYNC_BACKOFF, syncBackoffDelayMs } from '../../src/domain/sync-backoff.js';
import { definePollConnectorsJob, pollDueBy } from '../../src/jobs/poll-connectors.job.js';
import { defineReconcileConnectorsJob } from '../../src/jobs/reconcile-connectors.job.js';
import { NotificationProcessor } from '../../src/webhooks/notification-processor.js';
import { testScheduler } from '../helpers/agenda.js';
import { openTestConnection } from '../helpers/database.js';
import { captureLogger } from '../helpers/logger.js';
import { RecordingSyncRequester } from '../helpers/recording-sync.js';

const MINUTE = 60_000;

describe('sync backoff arithmetic', () => {
  it('doubles from the base per failure and stops at the cap', () => {
    const policy = DEFAULT_SYNC_BACKOFF;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => syncBackoffDelayMs(n, policy) / MINUTE)).toEqual([
      0, 1, 2, 4, 8, 16, 32, 60, 60,
    ]);
    expect(syncBackoffDelayMs(10_000, policy)).toBe(60 * MINUTE);
    expect(syncBackoffDelayMs(-1, policy)).toBe(0);
    expect(syncBackoffDelayMs(Number.NaN, policy)).toBe(0);
    expect(syncBackoffDelayMs(3, { baseMs: 1_000, maxMs: 8_000 })).toBe(4_000);
    expect(syncBackoffDelayMs(5, { baseMs: 1_000, maxMs: 8_000 })).toBe(8_000);
  });

  it('is configured from the environment: the base defaults to the poll interval', () => {
    const env = {
      MONGODB_URI: 'mongodb://127.0.0.1:1/hub',
      ENCRYPTION_KEYS: `k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64')}`,
      AUTH_JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long',
    };
    expect(loadConfig(env).sync.failureBackoff).toEqual({ baseMs: MINUTE, maxMs: 60 * MINUTE });
    expect(loadConfig({ ...env, SYNC_POLL_INTERVAL_MS: '30000' }).sync.failureBackoff).toEqual({
      baseMs: 30_000,
      maxMs: 60 * MINUTE,
    });
    expect(() =>
      loadConfig({
        ...env,
        SYNC_FAILURE_BACKOFF_BASE_MS: '120000',
        SYNC_FAILURE_BACKOFF_MAX_MS: '60000',
      }),
    ).toThrow(/SYNC_FAILURE_BACKOFF_MAX_MS: must be at least SYNC_FAILURE_BACKOFF_BASE_MS/);
  });

  it('lets a poll slot take a retry due before the middle of the next interval', () => {
    const end = new Date(1_700_000_000_000);
    expect(pollDueBy(end, MINUTE).getTime() - end.getTime()).toBe(30_000);
  });
});

describe('sync backoff on the connector document', () => {
  let connection: Connection;
  let close: () => Promise<void>;
  let Connector: ConnectorModel;
  let registry: ConnectorRegistryService;

  beforeAll(async () => {
    ({ connection, close } = await openTestConnection());
    Connector = connectorModel(connection);
    registry = new ConnectorRegistryService({
      Connector,
      Company: companyModel(connection),
      secretBox: new SecretBox([{ id: 'k1', key: randomBytes(32) }]),
      status: { changed: () => Promise.resolve() } as unknown as ConnectorStatusPublisher,
      logger: captureLogger().logger,
      backoff: DEFAULT_SYNC_BACKOFF,
    });
  });
  afterAll(async () => close?.());

  async function activeConnector(extra: Record<string, unknown> = {}): Promise<string> {
    const doc = await Connector.create({
      companyId: new Types.ObjectId(),
      partnerId: 'partner-backoff',
      kind: ConnectorKind.AZURE_AD,
      name: 'Azure AD',
      authTokenHash: randomBytes(16).toString('hex'),
      status: ConnectorStatus.CONNECTED,
      verifiedAt: new Date(),
      syncGroupId: 'aaaaaaaa-0000-0000-0000-000000000001',
      activatedAt: new Date(),
      ...extra,
    });
    return doc._id.toHexString();
  }
  const unauthorized = (at: Date): SyncOutcome => ({
    ok: false,
    at,
    code: ErrorCode.UPSTREAM_UNAUTHORIZED,
    reasonCode: ConnectorStatusReasonCode.INVALID_SECRET,
    message: 'The client secret has expired (AADSTS7000222).',
    status: ConnectorStatus.UNAUTHORIZED,
  });
  const state = async (id: string) =>
    (await Connector.findById(id, { consecutiveFailures: 1, nextPollAt: 1, status: 1 }).lean())!;

  it('counts failures, schedules 1, 2, 4 minutes after each, and a success clears both', async () => {
    const id = await activeConnector();
    const t0 = Date.now();
    await registry.recordSyncOutcome(id, unauthorized(new Date(t0)));
    expect(await state(id)).toMatchObject({
      status: ConnectorStatus.UNAUTHORIZED,
      consecutiveFailures: 1,
      nextPollAt: new Date(t0 + MINUTE),
    });
    // One failure may be transient: change notifications still sync at once.
    expect(await registry.syncDeferredUntil(id)).toBeNull();
    await registry.recordSyncOutcome(id, unauthorized(new Date(t0 + 1_000)));
    await registry.recordSyncOutcome(id, unauthorized(new Date(t0 + 2_000)));
    expect(await state(id)).toMatchObject({
      consecutiveFailures: 3,
      nextPollAt: new Date(t0 + 2_000 + 4 * MINUTE),
    });
    expect(await registry.syncDeferredUntil(id)).toEqual(new Date(t0 + 2_000 + 4 * MINUTE));

    await registry.recordSyncOutcome(id, { ok: true, at: new Date(t0 + 3_000) });
    expect(await state(id)).toMatchObject({
      status: ConnectorStatus.CONNECTED,
      consecutiveFailures: 0,
      nextPollAt: null,
    });
    expect(await registry.syncDeferredUntil(id)).toBeNull();
  });

  it('an unexpected failure (a database hiccup) shows ERROR but keeps the normal cadence', async () => {
    const id = await activeConnector();
    await registry.recordSyncOutcome(id, {
      ok: false,
      at: new Date(),
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      reasonCode: ConnectorStatusReasonCode.SYNC_FAILED,
      message: 'The synchronization failed unexpectedly; it will be retried.',
      status: ConnectorStatus.ERROR,
    });
    expect(await state(id)).toMatchObject({ status: ConnectorStatus.ERROR });
    expect((await state(id)).consecutiveFailures ?? 0).toBe(0);
    expect((await state(id)).nextPollAt ?? null).toBeNull();
    expect(await registry.listActiveConnectorIds({ dueBy: new Date() })).toContain(id);
  });

  it('failures recorded at once by several instances all count, and the last count wins', async () => {
    const id = await activeConnector();
    const at = new Date();
    await Promise.all(
      Array.from({ length: 5 }, () => registry.recordSyncOutcome(id, unauthorized(at))),
    );
    expect(await state(id)).toMatchObject({
      consecutiveFailures: 5,
      nextPollAt: new Date(at.getTime() + 16 * MINUTE),
    });
  });

  it('the poll and the reconcile leave out connectors backing off, by query', async () => {
    await Connector.deleteMany({});
    const now = Date.now();
    const healthy = await activeConnector();
    const backingOff = await activeConnector({
      consecutiveFailures: 4,
      nextPollAt: new Date(now + 10 * MINUTE),
    });
    // Due within the poll's half-interval grace (interval 20 s here: 10 s), not yet for the
    // reconcile, which has no grace (5 s leaves room for a slow machine between here and its tick).
    const almostDue = await activeConnector({
      consecutiveFailures: 1,
      nextPollAt: new Date(now + 5_000),
    });
    const overdue = await activeConnector({
      consecutiveFailures: 2,
      nextPollAt: new Date(now - 1_000),
    });
    await activeConnector({ enabled: false });

    expect(new Set(await registry.listActiveConnectorIds())).toEqual(
      new Set([healthy, backingOff, almostDue, overdue]),
    );

    const agenda = testScheduler(connection.db!, 'backoff-filter');
    const logger = captureLogger().logger;
    const polled = new RecordingSyncRequester();
    const poll = definePollConnectorsJob(agenda, {
      cursors: jobCursorModel(connection),
      registry,
      syncRequester: polled,
      pollIntervalMs: 20_000,
      tickMs: 20_000,
      logger,
    });
    // The first tick covers one tick's worth: with tick = interval, every connector is due.
    const pollTick = await poll.tick();
    expect(pollTick.dispatched).toBe(3);
    expect(new Set(polled.requests.map((r) => r.connectorId))).toEqual(
      new Set([healthy, almostDue, overdue]),
    );
    expect(polled.requests.every((r) => r.trigger === SyncTrigger.POLL)).toBe(true);

    const reconciled = new RecordingSyncRequester();
    const reconcile = defineReconcileConnectorsJob(agenda, {
      cursors: jobCursorModel(connection),
      registry,
      syncRequester: reconciled,
      reconcileIntervalMs: MINUTE,
      tickMs: MINUTE,
      logger,
    });
    await reconcile.tick();
    expect(new Set(reconciled.requests.map((r) => r.connectorId))).toEqual(
      new Set([healthy, overdue]),
    );
  });
  it('change notices of a connector backing off are dropped, not turned into syncs', async () => {
    const notices = changeNoticeModel(connection);
    const backingOff = await activeConnector({
      consecutiveFailures: 3,
      nextPollAt: new Date(Date.now() + 4 * MINUTE),
    });
    const healthy = await activeConnector();
    const receivedAt = new Date(Date.now() - 5_000);
    await notices.create([
      { connectorId: backingOff, count: 3, missed: false, receivedAt },
      { connectorId: healthy, count: 1, missed: false, receivedAt },
    ]);
    const requester = new RecordingSyncRequester();
    const processor = new NotificationProcessor({
      notices,
      syncRequester: requester,
      logger: captureLogger().logger,
      settleMs: 0,
      deferredUntil: (id) => registry.syncDeferredUntil(id),
    });
    expect(await processor.processConnector(backingOff)).toBe(0);
    expect(await processor.processConnector(healthy)).toBe(1);
    expect(requester.requests.map((r) => [r.connectorId, r.trigger])).toEqual([
      [healthy, SyncTrigger.WEBHOOK],
    ]);
    expect(await notices.countDocuments({ connectorId: { $in: [backingOff, healthy] } })).toBe(0);
  });
});
