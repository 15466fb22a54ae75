/**
 * The client secret expires, or admin consent is revoked, while a connector is running (a real
 * hub process, the emulator over HTTPS): the status turns UNAUTHORIZED with the reason, the
 * scheduled syncs back off instead of asking Entra every poll, nobody is disabled, and new
 * credentials (or consent granted again through the admin-consent round trip) bring the
 * connector back to CONNECTED by themselves, with what changed in Entra meanwhile applied.
 *
 * Tokens live 60 s at the emulator, so MSAL (which renews five minutes early) asks Entra for a
 * token on every sync: with an expired secret, token requests at the emulator count the hub's
 * attempts; with consent revoked (tokens are issued, Graph refuses them) the runs do.
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
import { waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';
import { sleep } from '../helpers/wait.js';
import { recordOutcome, syncGroupUserIds, waitConverged } from './support.js';

const POLL_MS = 1_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 8_000;
/** Long enough for the backoff to reach its cap (1 + 2 + 4 + 8 s) and stay there a while. */
const WINDOW_MS = 24_000;
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

  /** When the hub asked Entra for a token for this tenant, in [from, to). */
  function tokenRequests(from: number, to = Date.now()): number[] {
    return emulator.control
      .requestLog(5_000)
      .filter((e) => e.route === TOKEN_ROUTE && e.path.includes(tenant.tenantId))
      .map((e) => Date.parse(e.time))
      .filter((t) => t >= from && t < to)
      .sort((a, b) => a - b);
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

    const windowStart = Date.now();
    // The change comes once the connector is backing off (two failures in a row and more), so
    // Graph's notification about it meets the backoff too.
    await sleep(4_000);
    const newcomer = addUserInEntra('Expiry Newcomer');
    await sleep(WINDOW_MS - 4_000);
    const attempts = tokenRequests(windowStart);
    const windowRuns = (await data.runs(connectorId)).filter(
      (r) => r.requestedAt.getTime() >= windowStart,
    );
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    const withoutBackoff = Math.floor(WINDOW_MS / POLL_MS);
    outcome['expiredSecret_backoff'] = {
      windowMs: WINDOW_MS,
      tokenRequests: attempts.length,
      gapsMs: gaps,
      tokenRequestsWithoutBackoff: `${withoutBackoff} (one poll per ${POLL_MS} ms, before this change)`,
      consecutiveFailures: (await state()).consecutiveSyncFailures,
      runsByTrigger: Object.fromEntries(
        ['POLL', 'WEBHOOK', 'RECONCILE', 'MANUAL'].map((t) => [
          t,
          windowRuns.filter((r) => r.trigger === t).length,
        ]),
      ),
    };
    // Attempts thin out: far fewer than one per poll, the later ones the capped backoff apart.
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.length).toBeLessThanOrEqual(withoutBackoff / 3);
    expect(Math.max(...gaps, 0)).toBeGreaterThanOrEqual(BACKOFF_MAX_MS / 2);
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

    const windowStart = Date.now();
    await sleep(4_000);
    const newcomer = addUserInEntra('Consent Newcomer');
    await sleep(WINDOW_MS / 2 - 4_000);
    // The app stays in the tenant without permissions: Entra still issues tokens (one per Graph
    // read here, tokens living 60 s) and Graph refuses the reads, so attempts are counted as
    // runs rather than token requests.
    const runs = (await data.runs(connectorId)).filter(
      (r) => r.requestedAt.getTime() >= windowStart,
    );
    outcome['revokedConsent_backoff'] = {
      windowMs: WINDOW_MS / 2,
      runs: runs.length,
      runsWithoutBackoff: Math.floor(WINDOW_MS / 2 / POLL_MS),
      tokenRequests: tokenRequests(windowStart).length,
    };
    expect(runs.length).toBeLessThanOrEqual(WINDOW_MS / 2 / POLL_MS / 2);
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
    emulator.control.expireSecret(tenant.clientId, currentSecretKeyId);
    await waitStatus('UNAUTHORIZED', 20_000);
    const windowStart = Date.now();
    await sleep(WINDOW_MS / 2);
    const attempts = tokenRequests(windowStart);
    outcome['withoutBackoff_measured'] = {
      windowMs: WINDOW_MS / 2,
      tokenRequests: attempts.length,
    };
    // How many attempts fit in the window depends on how loaded the machine is; what the
    // backoff changes is the schedule: without it the next attempt is one poll interval after the
    // last failure, however many failures came before (with it, up to BACKOFF_MAX_MS).
    // The view shows the next attempt only while it is ahead, which without backoff is one poll
    // interval after each failure: read it while one is pending, then compare it with the last
    // failure before it (a run may fail again meanwhile).
    const now = await waitFor(
      async () => {
        const current = await state();
        return current.nextSyncAttemptAt ? current : null;
      },
      10_000,
      'a pending next attempt',
    );
    const nextAt = Date.parse(now.nextSyncAttemptAt!);
    const lastFailed = (await data.runs(connectorId))
      .filter((r) => r.status === 'FAILED' && r.finishedAt && r.finishedAt.getTime() < nextAt)
      .at(-1)!;
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
