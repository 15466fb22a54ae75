/**
 * Run progress and status cross hub instances: instance A runs the sync engine, instance B does
 * not (its engine only records requests), so every run executes on A; a subscriber on B sees its
 * progress (SYNC_RUN_UPDATED on B's live events) and its outcome (connectorStatusChanged over
 * graphql-ws on B).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { SyncTrigger } from '../../src/domain/connector.js';
import { LiveTopic, type SyncRunUpdatedEvent } from '../../src/events/live-events.js';
import { openTestConnection } from '../helpers/database.js';
import { seedTestTenant, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';
import { FAST_TUNING, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { subscribeToStatus } from '../helpers/graphql.js';
import { partnerJwt } from '../helpers/jwt.js';

describe('live events across instances', () => {
  let emulator: RunningEmulator;
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let a: TestRuntime;
  let b: TestRuntime;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ connection, close: closeDb } = await openTestConnection());
    const encryptionKeys = `k1:${randomBytes(32).toString('base64')}`;
    a = await startTestRuntime({
      connection,
      emulator,
      webhooks: false,
      encryptionKeys,
      realEngine: true,
      tuning: { ...FAST_TUNING, engine: { queuePollMs: 200, lockTtlMs: 3_000 } },
    });
    b = await startTestRuntime({ connection, emulator, webhooks: false, encryptionKeys });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await closeDb?.();
    await emulator?.stop();
  });

  it('shows a subscriber on B the progress and outcome of a run on A', async () => {
    const tenant = await seedTestTenant(emulator, { users: 6, groups: 1, syncGroupMembers: 4 });
    const jwt = await partnerJwt('partner-live');
    const progress: SyncRunUpdatedEvent[] = [];
    const onB = b.runtime.live.subscribe(LiveTopic.SYNC_RUN_UPDATED);
    void (async () => {
      for await (const event of onB) progress.push(event);
    })();
    const statusOnB = await subscribeToStatus(b.url, jwt);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { connectorId } = await activateConnector(a.url, jwt, tenant);
      await statusOnB.next(
        (e) => e.connectorId === connectorId && e.status === 'CONNECTED',
        'CONNECTED on B',
        20_000,
      );
      const runEvents = await waitFor(
        () => {
          const mine = progress.filter((e) => e.connectorId === connectorId);
          return mine.length >= 2 ? mine : null;
        },
        10_000,
        'run progress on B',
      );
      // Queued, then running/finished: several updates of the one INITIAL run.
      expect(new Set(runEvents.map((e) => e.runId)).size).toBe(1);
      // The INITIAL request went to A's engine (B's only records; its poll may have asked too).
      expect(b.syncs.requests.filter((r) => r.trigger === SyncTrigger.INITIAL)).toEqual([]);
      expect(statusOnB.errors).toEqual([]);
    } finally {
      await onB.return?.();
      await statusOnB.dispose();
    }
  });
});
