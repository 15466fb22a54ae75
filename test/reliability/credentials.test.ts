/**
 * The client secret expires, or admin consent is revoked, while a connector is running (a real
 * hub process, the emulator over HTTPS): the status turns UNAUTHORIZED with the reason, the
 * scheduled syncs back off instead of asking Entra every poll, nobody is disabled, and new
 * credentials (or consent granted again through the admin-consent round trip) bring the
 * connector back to CONNECTED by themselves, with what changed in Entra meanwhile applied.
 *
 * Time is observed, never waited out: each failed attempt is a POLL run the hub records (a poll
 * whose probe fails queues one), so the backoff shows in the gaps between the runs' requests,
 * read once the connector's failure count (the hub's own record) says how far it got. Tokens live
 * 60 s at the emulator, so MSAL (which renews five minutes early) asks Entra for a token on
 * every attempt; the token requests the emulator logged are kept as figures.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { FINISHED, type HubData, openHubData, type RunRow } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { waitFor } from '../helpers/wait.js';
import { recordOutcome, syncGroupUserIds, waitConverged } from './support.js';

const POLL_MS = 1_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 8_000;
/** The wait after the i-th failure in a row (index i - 1): the base doubled, at most the max. */
const WAITS_MS = [1_000, 2_000, 4_000, 8_000, 8_000];
/** Failures in a row until the wait reached its cap once and was honoured (1, 2, 4, 8 s). */
const CAPPED_FAILURES = 5;
const TOKEN_ROUTE = 'POST /:tenant/oauth2/v2.0/token';

interface ConnectorState {
  status: string;
  statusReason: string | null;
  consecutiveSyncFailures: number;
  nextSyncAttemptAt: string | null;
}

describe('credentials expire or consent is revoked mid-life', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  let data: HubData;
  let jwt: string;
  let connectorId: string;
  let currentSecretKeyId: string;
  const outcome: Record<string, unknown> = {
    pollIntervalMs: POLL_MS,
    backoff: { baseMs: BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS },
  };

  beforeAll(async () => {
    emulator = await startTestEmulator({ tokenLifetimeSeconds: 60, requestLogSize: 5_000 });
    tenant = await seedTestTenant(emulator, { users: 40, groups: 1, syncGroupMembers: 25 });
    hub = await startHubProcess({
      emulator,
      env: {
        SYNC_POLL_INTERVAL_MS: String(POLL_MS),
        SYNC_FAILURE_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
        SYNC_FAILURE_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
      },
    });
    data = await openHubData(hub.env['MONGODB_URI']!);
    jwt = await partnerJwt('partner-credentials');
    ({ connectorId } = await activateConnector(hub.url, jwt, tenant));
    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 60_000);
    await waitFor(async () => (await state()).status === 'CONNECTED', 10_000, 'CONNECTED');
  }, 90_000);
  afterAll(async () => {
    await stopHubs({ hubs: [hub], data, emulator });
    await recordOutcome('credentials', outcome);
  });

  async function state(): Promise<ConnectorState> {
    const { connector } = await gql<{ connector: ConnectorState }>(
      hub.url,
      jwt,
      'query($id:ID!){ connector(id:$id) { status statusReason consecutiveSyncFailures nextSyncAttemptAt } }',
      { id: connectorId },
    );
    return connector;
  }

  /** When the hub asked Entra for a token for this tenant, from `from` on. */
  function tokenRequests(from: number): number[] {
    return emulator.control
      .requestLog(5_000)
      .filter((e) => e.route === TOKEN_ROUTE && e.path.includes(tenant.tenantId))
      .map((e) => Date.parse(e.time))
      .filter((t) => t >= from)
      .sort((a, b) => a - b);
  }

  /**
   * The runs of the connector's current failure streak, oldest first: one per attempt since the
   * last success (the first may have been requested just before the credentials broke).
   */
  async function failedStreak(): Promise<RunRow[]> {
    const finished = (await data.runs(connectorId)).filter((r) => FINISHED.includes(r.status));
    const lastSuccess = finished.findLastIndex((r) => r.status !== 'FAILED');
    return finished.slice(lastSuccess + 1);
  }

  /**
   * The first `count` failed runs of the streak, once all of them are stored as finished (the
   * connector's failure count moves a moment before the run's own record does).
   */
  function recordedStreak(count: number): Promise<RunRow[]> {
    return waitFor(
      async () => {
        const streak = await failedStreak();
        return streak.length >= count ? streak.slice(0, count) : null;
      },
      10_000,
      `${count} failed runs stored`,
      250,
    );
  }

  /** Until the hub has recorded `count` failed runs in a row for the connector. */
  function failuresInARow(count: number, timeoutMs: number): Promise<ConnectorState> {
    return waitFor(
      async () => {
        const s = await state();
        return s.consecutiveSyncFailures >= count ? s : null;
      },
      timeoutMs,
      `${count} failures in a row`,
      250,
    );
  }

  /**
   * The i-th attempt after the credentials broke is the i-th failure in a row, and schedules the
   * next one WAITS_MS[i - 1] after it failed (so after it was requested); the poll may take
   * a connector half an interval before its retry time (pollDueBy). So from the second failure
   * on (the first may be transient: a change notified right after it still syncs at once), the
   * gap between two requests is at least the wait minus half an interval, whatever the
   * machine's load; without the backoff it is one poll interval.
   */
  function expectBackoffBetween(attempts: RunRow[]): number[] {
    expect(attempts.filter((r) => r.status !== 'FAILED')).toEqual([]);
    const requested = attempts.map((r) => r.requestedAt.getTime());
    const gaps = requested.slice(1).map((t, i) => t - requested[i]!);
    const tooSoon = gaps
      .map((gapMs, i) => ({
        afterFailure: i + 1,
        gapMs,
        atLeastMs: WAITS_MS[i]! - POLL_MS / 2,
      }))
      .filter((g) => g.afterFailure >= 2 && g.gapMs < g.atLeastMs);
    expect(tooSoon).toEqual([]);
    return gaps;
  }

  async function waitStatus(status: string, timeoutMs: number): Promise<ConnectorState> {
    return waitFor(
      async () => {
        const s = await state();
        return s.status === status ? s : null;
      },
      timeoutMs,
      `status ${status}`,
      // Gently: FerretDB's SQLite backend answers "database is locked" under many writers.
      250,
    );
  }

  async function nobodyDeprovisioned(): Promise<void> {
    const users = await data.users(connectorId);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((u) => u.status !== 'ACTIVE')).toEqual([]);
  }

  /** A new user in the sync group: a change made in Entra while the hub cannot read it. */
  function addUserInEntra(name: string): string {
    const user = emulator.control.createUser(tenant.tenantId, {
      displayName: name,
      userPrincipalName: `${name.toLowerCase().replace(/\W/g, '.')}@${tenant.defaultDomain}`,
      mail: `${name.toLowerCase().replace(/\W/g, '.')}@${tenant.defaultDomain}`,
    });
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [user.id]);
    tenant.userIds.push(user.id);
    return user.id;
  }

  it('an expired secret: UNAUTHORIZED with the reason, backoff, nobody disabled; a new secret recovers by itself', async () => {
    const expiredAt = Date.now();
    emulator.control.expireSecret(tenant.clientId, tenant.secretKeyId);
    const unauthorized = await waitStatus('UNAUTHORIZED', 20_000);
    outcome['expiredSecret_timeToUnauthorizedMs'] = Date.now() - expiredAt;
    expect(unauthorized.statusReason).toContain('AADSTS7000222');
    expect(unauthorized.statusReason).toMatch(/client secret has expired/);
    expect(unauthorized.consecutiveSyncFailures).toBeGreaterThanOrEqual(1);

    // The change comes once the connector backs off (from the second failure in a row), so
    // Graph's notification about it meets the backoff too.
    await failuresInARow(2, 20_000);
    const newcomer = addUserInEntra('Expiry Newcomer');
    await failuresInARow(CAPPED_FAILURES, 60_000);
    const attempts = await recordedStreak(CAPPED_FAILURES);
    expect(attempts).toHaveLength(CAPPED_FAILURES);
    const gaps = expectBackoffBetween(attempts);
    outcome['expiredSecret_backoff'] = {
      failuresInARow: CAPPED_FAILURES,
      attempts: attempts.map((r) => r.trigger),
      gapsBetweenAttemptsMs: gaps,
      waitsMs: WAITS_MS.slice(0, gaps.length),
      tokenRequests: tokenRequests(expiredAt).length,
    };
    expect((await state()).status).toBe('UNAUTHORIZED');
    await nobodyDeprovisioned();
    // The hub let Graph's notifications about the newcomer go instead of syncing into the wall.
    const dropped = hub
      .records()
      .filter((r) =>
        String(r['msg']).startsWith('change notices dropped: the connector backs off'),
      );
    outcome['expiredSecret_webhookNoticesDropped'] = dropped.length;

    // The admin creates a new secret in Entra and enters it in the portal: nothing else.
    const secret = emulator.control.addSecret(tenant.clientId);
    currentSecretKeyId = secret.keyId;
    const setAt = Date.now();
    const { setConnectorCredentials } = await gql<{ setConnectorCredentials: ConnectorState }>(
      hub.url,
      jwt,
      'mutation($i:SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { status statusReason consecutiveSyncFailures nextSyncAttemptAt } }',
      {
        i: {
          connectorId,
          tenantId: tenant.tenantId,
          clientId: tenant.clientId,
          clientSecret: secret.secretText,
        },
      },
    );
    expect(setConnectorCredentials).toMatchObject({
      consecutiveSyncFailures: 0,
      nextSyncAttemptAt: null,
    });
    expect(['WAITING_FOR_CONNECTION', 'CONNECTED']).toContain(setConnectorCredentials.status);
    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 30_000);
    const recovered = await waitStatus('CONNECTED', 10_000);
    outcome['expiredSecret_timeToRecoverMs'] = Date.now() - setAt;
    expect(recovered).toMatchObject({ statusReason: null, consecutiveSyncFailures: 0 });
    const users = await data.users(connectorId);
    expect(users.find((u) => u.entraId === newcomer)?.status).toBe('ACTIVE');
    await nobodyDeprovisioned();
    const runs = await data.runs(connectorId);
    outcome['expiredSecret_recoveryRun'] = runs
      .filter((r) => r.requestedAt.getTime() >= setAt)
      .map((r) => `${r.trigger}/${r.mode}/${r.status}`);
  }, 90_000);

  it('revoked consent: UNAUTHORIZED naming consent, nothing deprovisioned; consent granted again recovers by itself', async () => {
    const revokedAt = Date.now();
    emulator.control.revokeConsent(tenant.tenantId, tenant.clientId);
    const unauthorized = await waitStatus('UNAUTHORIZED', 20_000);
    outcome['revokedConsent_timeToUnauthorizedMs'] = Date.now() - revokedAt;
    expect(unauthorized.statusReason).toMatch(/consent/i);

    await failuresInARow(2, 20_000);
    const newcomer = addUserInEntra('Consent Newcomer');
    // The app stays in the tenant without permissions: Entra still issues tokens and Graph
    // refuses the reads, so each attempt is a failed run here too.
    await failuresInARow(CAPPED_FAILURES - 1, 60_000);
    const attempts = await recordedStreak(CAPPED_FAILURES - 1);
    expect(attempts).toHaveLength(CAPPED_FAILURES - 1);
    outcome['revokedConsent_backoff'] = {
      failuresInARow: CAPPED_FAILURES - 1,
      gapsBetweenAttemptsMs: expectBackoffBetween(attempts),
      tokenRequests: tokenRequests(revokedAt).length,
    };
    await nobodyDeprovisioned();

    // Verify Connection offers the admin-consent URL; the admin accepts at "Microsoft".
    const { verifyConnection } = await gql<{
      verifyConnection: { verified: boolean; consentUrl: string | null };
    }>(
      hub.url,
      jwt,
      'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified consentUrl } }',
      { id: connectorId },
    );
    expect(verifyConnection.verified).toBe(false);
    expect(verifyConnection.consentUrl).not.toBeNull();
    const grantedAt = Date.now();
    const atMicrosoft = await emulatorFetch(emulator)(verifyConnection.consentUrl!, {
      redirect: 'manual',
    });
    expect(atMicrosoft.status).toBe(302);
    const atHub = await fetch(atMicrosoft.headers.get('location')!, { redirect: 'manual' });
    expect(atHub.status).toBe(302);
    expect(new URL(atHub.headers.get('location')!).searchParams.get('result')).toBe('verified');

    await waitConverged(data, connectorId, () => syncGroupUserIds(emulator, tenant), 30_000);
    const recovered = await waitStatus('CONNECTED', 10_000);
    outcome['revokedConsent_timeToRecoverMs'] = Date.now() - grantedAt;
    expect(recovered.consecutiveSyncFailures).toBe(0);
    const users = await data.users(connectorId);
    expect(users.find((u) => u.entraId === newcomer)?.status).toBe('ACTIVE');
    await nobodyDeprovisioned();
  }, 90_000);

  it('for comparison: the same hub with the backoff off (max = base = the poll) asks Entra every poll', async () => {
    // The hub as it was before: a failed connector stays due every interval.
    await hub.stop();
    hub = await startHubProcess({
      emulator,
      env: { ...hub.env, SYNC_FAILURE_BACKOFF_MAX_MS: String(BACKOFF_BASE_MS) },
    });
    const expiredAt = Date.now();
    emulator.control.expireSecret(tenant.clientId, currentSecretKeyId);
    await waitStatus('UNAUTHORIZED', 20_000);
    await failuresInARow(3, 20_000);
    const attempts = await failedStreak();
    outcome['withoutBackoff_measured'] = {
      gapsBetweenAttemptsMs: attempts
        .slice(1)
        .map((r, i) => r.requestedAt.getTime() - attempts[i]!.requestedAt.getTime()),
      tokenRequests: tokenRequests(expiredAt).length,
    };
    // What the backoff changes is the schedule: without it the next attempt is one poll interval
    // after the last failure, however many failures came before (with it, up to BACKOFF_MAX_MS:
    // 4 s after the third). The view shows the next attempt only while it is ahead, which without backoff is one poll
    // interval after each failure: read it while one is pending, then compare it with the last
    // failure before it (a run may fail again meanwhile).
    // Read once the failure behind it is stored too: every run finished, the streak as long as
    // the count (the count moves a moment before the run's record does).
    const { now, lastFailed } = await waitFor(
      async () => {
        const current = await state();
        if (!current.nextSyncAttemptAt) return null;
        const runs = await data.runs(connectorId);
        if (runs.some((r) => !FINISHED.includes(r.status))) return null;
        const streak = await failedStreak();
        if (streak.length < current.consecutiveSyncFailures) return null;
        const due = Date.parse(current.nextSyncAttemptAt);
        const before = streak.filter((r) => r.finishedAt && r.finishedAt.getTime() < due).at(-1);
        return before ? { now: current, lastFailed: before } : null;
      },
      10_000,
      'a pending next attempt after a stored failure',
      100,
    );
    const nextAt = Date.parse(now.nextSyncAttemptAt!);
    const gapMs = nextAt - lastFailed.finishedAt!.getTime();
    outcome['withoutBackoff_measured'] = {
      ...(outcome['withoutBackoff_measured'] as object),
      consecutiveFailures: now.consecutiveSyncFailures,
      nextAttemptAfterLastFailureMs: gapMs,
    };
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(now.consecutiveSyncFailures).toBeGreaterThanOrEqual(2);
    expect(gapMs).toBeLessThan(BACKOFF_BASE_MS + 1_000);
    await nobodyDeprovisioned();
  }, 60_000);
});
