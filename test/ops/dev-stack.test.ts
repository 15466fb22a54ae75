import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { loadProvisionConfig } from '../../src/config.js';
import type { MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';
import { waitFor } from '../helpers/wait.js';
import {
  fetchWithCa,
  getNoRedirect,
  gql,
  metricSum,
  runCli,
  spawnDevStack,
  status,
  type SpawnedDevStack,
} from './dev-stack.helpers.js';
import { apiDocOperations } from './readme-operations.js';

/**
 * `npm run dev`'s entry point end to end: the built scripts/dev.js with a temporary .dev folder
 * and free ports, on a database this file provisions itself (so it can pause it), then the
 * install flow of docs/api.md with the printed tokens, /metrics, /readyz through a database outage,
 * the CLI, and a clean Ctrl-C.
 */
describe('npm run dev: the demo stack end to end', () => {
  let db: MongoServerHandle;
  let dir: string;
  let stack: SpawnedDevStack;
  const ops = apiDocOperations();
  const op = (name: string) => {
    const text = ops.get(name);
    if (!text) throw new Error(`docs/api.md has no operation named ${name}`);
    return text;
  };

  beforeAll(async () => {
    const provider =
      process.env['HUB_TEST_MONGO_PROVIDER'] === 'memory-server' ? 'memory-server' : 'ferretdb';
    db = await provisionMongo({ ...loadProvisionConfig({}), provider });
    dir = await mkdtemp(path.join(tmpdir(), 'hub-dev-'));
    stack = await spawnDevStack({
      dir,
      env: {
        PATH: process.env['PATH'],
        MONGODB_URI: db.uri,
        HUB_DB_PROVIDER: 'uri',
        LOG_LEVEL: 'info',
      },
    });
  }, 180_000);

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) stack.child.kill('SIGKILL');
    await db?.start?.().catch(() => undefined);
    await db?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('writes stack.json with everything docs/api.md needs, and serves the portal and GraphiQL', async () => {
    const s = stack.info;
    for (const key of [
      'portalUrl',
      'graphqlUrl',
      'partnerAdminJwt',
      'companyAdminJwt',
      'tenantId',
      'clientId',
      'clientSecret',
      'syncGroupId',
      'emulatorControlUrl',
      'connectorId',
      'connectorToken',
    ] as const) {
      expect(s[key]).toEqual(expect.any(String));
    }
    expect(s.portalUrl).toBe(`${s.hubUrl}/portal/#token=${s.partnerAdminJwt}`);
    for (const page of [s.portalUrl, s.graphqlUrl]) {
      const answer = await fetch(page, { headers: { accept: 'text/html' } });
      expect(answer.status).toBe(200);
      const html = await answer.text();
      expect(html).toMatch(/<title>Entra connector hub: (admin portal|GraphiQL)<\/title>/);
      // Everything the page loads comes from the hub itself.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    // The portal's one-click demo sign-ins (development only).
    const signIns = (await (await fetch(`${s.hubUrl}/portal/api/dev-sign-in`)).json()) as {
      signIns: { label: string; authorization: string }[];
    };
    expect(signIns.signIns.map((x) => x.authorization)).toEqual([
      `Bearer ${s.partnerAdminJwt}`,
      `Bearer ${s.companyAdminJwt}`,
    ]);
    // The emulator's control API answers at the printed URL.
    const tenants = await getNoRedirect(`${s.emulatorControlUrl}/health`, s.emulatorCaFile);
    expect(tenants.status).toBe(200);
  });

  it('first contact: a short summary, the database fallback as information, no request lines', () => {
    const s = stack.info;
    const printed = stack.output.join('');
    for (const value of [
      s.portalUrl,
      s.graphqlUrl,
      s.partnerAdminJwt,
      s.companyAdminJwt,
      s.connectorToken!,
      s.syncGroupId,
      s.nestedGroupId,
      ...s.extraGroupIds,
    ]) {
      expect(printed).toContain(value);
    }
    expect(printed).not.toMatch(/unavailable|trying the next option/);
    expect(printed).not.toMatch(/\brequest\b.*path=|"msg":"request"/);
    expect(printed.split('\n').length).toBeLessThan(45);
  });

  it('follows docs/api.md: credentials, verify, consent, group, save, sync', async () => {
    const s = stack.info;
    const before = await (await fetch(`${s.hubUrl}/metrics`)).text();
    const call = async <T>(
      name: string,
      variables: Record<string, unknown>,
      token = s.partnerAdminJwt,
    ) => {
      const result = await gql<T>(s.graphqlUrl, token, op(name), variables);
      expect(result.errors).toBeUndefined();
      return result.data!;
    };
    const connectorId = s.connectorId;

    await call('EnterCredentials', {
      input: {
        connectorId,
        tenantId: s.tenantId,
        clientId: s.clientId,
        clientSecret: s.clientSecret,
      },
    });
    const verify = await call<{
      verifyConnection: {
        verified: boolean;
        consentUrl: string | null;
        error: { reason: string } | null;
      };
    }>('VerifyConnection', { connectorId });
    // The demo app has no admin consent yet: the answer is not verified, with a consent URL.
    expect(verify.verifyConnection.verified).toBe(false);
    expect(verify.verifyConnection.error?.reason).toBe('CONSENT_REQUIRED');
    const consentUrl = verify.verifyConnection.consentUrl!;
    expect(consentUrl.startsWith(s.emulatorUrl)).toBe(true);

    // Microsoft (the emulator) -> the hub's /azure/callback, here from a client that asks for
    // JSON (a browser is redirected to the portal: test/portal/portal-flow.test.ts).
    const microsoft = await getNoRedirect(consentUrl, s.emulatorCaFile);
    expect(microsoft.status).toBe(302);
    expect(microsoft.location!.startsWith(`${s.hubUrl}/azure/callback?`)).toBe(true);
    const callback = await getNoRedirect(microsoft.location!, s.emulatorCaFile, {
      accept: 'application/json',
    });
    expect(callback.status).toBe(200);
    expect(JSON.parse(callback.body)).toMatchObject({
      connectorId,
      result: 'verified',
      title: 'Connection Verified',
    });

    const verified = await call<{ connector: { verified: boolean } }>('ConnectionVerified', {
      connectorId,
    });
    expect(verified.connector.verified).toBe(true);

    // The company admin sees the same connector and picks the group.
    const groups = await call<{
      entraGroups: { edges: { node: { id: string; displayName: string } }[] };
    }>('PickSyncGroup', { connectorId }, s.companyAdminJwt);
    const syncGroup = groups.entraGroups.edges.find(
      (e) => e.node.displayName === 'Password Boss Users',
    );
    expect(syncGroup?.node.id).toBe(s.syncGroupId);
    const selected = await call<{ selectSyncGroup: { syncGroup: { id: string } } }>(
      'SelectSyncGroup',
      {
        connectorId,
        groupId: s.syncGroupId,
      },
    );
    expect(selected.selectSyncGroup.syncGroup.id).toBe(s.syncGroupId);
    const extra = await call<{ setSyncedGroups: { syncedGroups: { id: string }[] } }>(
      'SelectExtraGroups',
      {
        connectorId,
        groupIds: s.extraGroupIds.slice(0, 2),
      },
    );
    expect(extra.setSyncedGroups.syncedGroups).toHaveLength(2);
    const rules = await call<{ connector: { syncRules: Record<string, unknown> } }>(
      'ReviewSyncRules',
      { connectorId },
    );
    expect(rules.connector.syncRules).toMatchObject({
      userAdded: 'CREATE',
      userRemovedFromGroup: 'DISABLE',
    });

    const saved = await call<{ activateConnector: { status: string } }>('SaveChanges', {
      connectorId,
    });
    expect(['WAITING_FOR_CONNECTION', 'CONNECTED']).toContain(saved.activateConnector.status);
    const list = await call<{ connectors: { nodes: { id: string; status: string }[] } }>(
      'ConnectorList',
      {},
    );
    expect(list.connectors.nodes.map((c) => c.id)).toContain(connectorId);

    const sync = await call<{ synchronizeNow: { runId: string } }>('SynchronizeNow', {
      connectorId,
    });
    expect(sync.synchronizeNow.runId).toEqual(expect.any(String));

    // The demo tenant is synced: Connected, and the sync group's direct members are users.
    const connected = await waitFor(
      async () => {
        const { connectors } = await call<{
          connectors: {
            nodes: { id: string; status: string; lastSuccessfulSyncAt: string | null }[];
          };
        }>('ConnectorList', {});
        const mine = connectors.nodes.find((c) => c.id === connectorId);
        return mine?.status === 'CONNECTED' && mine.lastSuccessfulSyncAt ? mine : null;
      },
      60_000,
      'the connector to be Connected after its first sync',
      250,
    );
    expect(Date.parse(connected.lastSuccessfulSyncAt!)).toBeGreaterThan(Date.now() - 120_000);
    // `npm run dev` printed both, from the live events, one line each.
    await waitFor(
      () => {
        const printed = stack.output.join('');
        return (
          printed.includes(
            `connector ${connectorId} (Azure AD, Contoso (demo)): WAITING_FOR_CONNECTION -> CONNECTED`,
          ) &&
          new RegExp(
            `sync run \\w+ of connector ${connectorId} .*: (INITIAL|MANUAL) \\w+ SUCCEEDED`,
          ).test(printed)
        );
      },
      15_000,
      'the status change and the sync run on the console',
      100,
    );
    const client = await MongoClient.connect(db.uri);
    try {
      const users = client.db('entra_hub_dev').collection('directory_users');
      const managed = await users.countDocuments({ connectorId });
      // 120 people, two thirds of them direct members of the sync group (guests and disabled
      // accounts included); the nested group's members only count with includeNestedGroups.
      expect(managed).toBeGreaterThanOrEqual(70);
      expect(managed).toBeLessThanOrEqual(80);
    } finally {
      await client.close();
    }

    // The counters moved: Graph requests (verify, group picker), token requests, connectors.
    // Run counters follow the live-event bus, which may trail the connector's status by a beat.
    const after = await waitFor(
      async () => {
        const text = await (await fetch(`${s.hubUrl}/metrics`)).text();
        return metricSum(text, 'hub_sync_runs_total', { status: 'SUCCEEDED' }) >= 1 ? text : null;
      },
      15_000,
      'a SUCCEEDED run counted in /metrics',
      250,
    );
    expect(metricSum(after, 'hub_graph_requests_total')).toBeGreaterThan(
      metricSum(before, 'hub_graph_requests_total'),
    );
    expect(metricSum(after, 'hub_entra_token_requests_total', { status: '200' })).toBeGreaterThan(
      metricSum(before, 'hub_entra_token_requests_total', { status: '200' }),
    );
    expect(metricSum(before, 'hub_connectors', { status: 'NOT_SAVED' })).toBe(1);
    expect(metricSum(after, 'hub_connectors', { status: 'NOT_SAVED' })).toBe(0);
    expect(metricSum(after, 'hub_connector_status_changes_total')).toBeGreaterThan(0);
    expect(metricSum(after, 'hub_sync_runs_total', { status: 'SUCCEEDED' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(metricSum(after, 'hub_sync_run_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metricSum(after, 'hub_connectors', { status: 'CONNECTED' })).toBe(1);
  }, 120_000);

  it('a change in the demo tenant reaches the hub through Graph change notifications', async () => {
    const s = stack.info;
    const client = await MongoClient.connect(db.uri);
    try {
      const users = client.db('entra_hub_dev').collection('directory_users');
      const someone = await users.findOne({ connectorId: s.connectorId, status: 'ACTIVE' });
      expect(someone?.['entraId']).toEqual(expect.any(String));
      const before = await (await fetch(`${s.hubUrl}/metrics`)).text();
      // The admin removes the person from Password Boss Users in Entra (the emulator's control API).
      const removed = await fetchWithCa(
        `${s.emulatorControlUrl}/tenants/${s.tenantId}/groups/${s.syncGroupId}/members/${String(someone!['entraId'])}`,
        s.emulatorCaFile,
        { method: 'DELETE' },
      );
      expect(removed.status).toBeLessThan(300);
      const disabled = await waitFor(
        () => users.findOne({ _id: someone!._id, status: 'DISABLED' }),
        45_000,
        'the removed user to be disabled',
        250,
      );
      expect(disabled['statusReason']).toBe('REMOVED_FROM_GROUP');
      const after = await (await fetch(`${s.hubUrl}/metrics`)).text();
      const acks = (text: string) =>
        metricSum(text, 'hub_webhook_requests_total', { endpoint: 'notifications', status: '202' });
      expect(acks(after)).toBeGreaterThan(acks(before));
      // The notification's own delta run ends too (under load the poll may have applied it first).
      await waitFor(
        async () => {
          const text = await (await fetch(`${s.hubUrl}/metrics`)).text();
          return metricSum(text, 'hub_sync_runs_total', { trigger: 'WEBHOOK' }) >= 1;
        },
        30_000,
        'an ended WEBHOOK run in /metrics',
        250,
      );
    } finally {
      await client.close();
    }
  }, 90_000);

  it('the demo receiver verifies every webhook of the demo company and prints it', async () => {
    const s = stack.info;
    expect(s.webhookReceiverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const client = await MongoClient.connect(db.uri);
    let created: number;
    try {
      created = await client
        .db('entra_hub_dev')
        .collection('directory_users')
        .countDocuments({ connectorId: s.connectorId });
    } finally {
      await client.close();
    }
    // Every user the first sync created arrives, verified with the standardwebhooks library.
    const events = await waitFor(
      () => {
        const lines = existsSync(s.webhookLogFile)
          ? readFileSync(s.webhookLogFile, 'utf8').trim().split('\n').filter(Boolean)
          : [];
        const parsed = lines.map((l) => JSON.parse(l) as { webhookId: string; type: string });
        const users = new Set(
          parsed.filter((e) => e.type === 'directory.user.created').map((e) => e.webhookId),
        );
        return users.size >= created ? parsed : null;
      },
      60_000,
      'a verified directory.user.created per synced user in webhooks.log',
      250,
    );
    expect(events.some((e) => e.type === 'connector.status_changed')).toBe(true);
    const printed = () => stack.output.join('');
    // What is printed follows the log file: a burst's summary when its one-second window ends.
    await waitFor(
      () => /\[webhook\] directory\.user\.created \S+@\S+ .*signature verified/.test(printed()),
      10_000,
      'a printed directory.user.created',
      50,
    );
    // A burst is summarised instead of printing a line per event.
    await waitFor(
      () => /\[webhook\] \.\.\. and \d+ more verified event\(s\)/.test(printed()),
      10_000,
      "the burst's summary line",
      50,
    );
    // A request without a valid signature is refused (and said so).
    const forged = await fetch(s.webhookReceiverUrl, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,Zm9yZ2Vk',
      },
      body: JSON.stringify({ type: 'directory.user.deleted', timestamp: '', data: {} }),
    });
    expect(forged.status).toBe(401);
    await waitFor(() => printed().includes('[webhook] REFUSED'), 5_000, 'the refusal', 50);

    // The operator CLI sees the demo endpoint and sends it a test event.
    const listed = await runCli(['webhooks', '--stack', stack.stackFile]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(s.webhookEndpointId);
    expect(listed.stdout).toContain(s.webhookReceiverUrl);
    const test = await runCli([
      'webhooks',
      'test',
      s.webhookEndpointId,
      '--stack',
      stack.stackFile,
    ]);
    expect(test).toMatchObject({ code: 0, stderr: '' });
    expect(test.stdout).toContain('delivered (HTTP 204');
    await waitFor(() => printed().includes('[webhook] webhook.test'), 5_000, 'the test event', 50);
  }, 90_000);

  it('operator CLI: lists connectors, mints a token the hub accepts, asks for a sync', async () => {
    const s = stack.info;
    const listed = await runCli(['connectors', '--stack', stack.stackFile]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(s.connectorId);
    expect(listed.stdout).toMatch(/WAITING_FOR_CONNECTION|CONNECTED/);

    const minted = await runCli([
      'token',
      '--role',
      'COMPANY_ADMIN',
      '--company',
      s.companyId,
      '--stack',
      stack.stackFile,
    ]);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    const asCompany = await runCli(['connectors', '--url', s.graphqlUrl, '--token', token]);
    expect(asCompany.code).toBe(0);
    expect(asCompany.stdout).toContain(s.connectorId);

    const refused = await runCli(['connectors', '--url', s.graphqlUrl, '--token', 'not-a-jwt']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNAUTHENTICATED');

    const sync = await runCli(['sync', s.connectorId, '--detach', '--stack', stack.stackFile]);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/sync requested: run \S+/);

    // Followed to its end: the run's summary (sync-run API) or the connector's next success.
    const followed = await runCli([
      'sync',
      s.connectorId,
      '--timeout',
      '60',
      '--stack',
      stack.stackFile,
    ]);
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/sync requested: run \S+/);
    expect(followed.stdout).toMatch(/synced at|SUCCEEDED/);
  });

  it('/readyz turns unready while the database is paused and ready again when it returns', async () => {
    const s = stack.info;
    expect(await status(`${s.hubUrl}/healthz`)).toBe(200);
    expect(await status(`${s.hubUrl}/readyz`)).toBe(200);
    await db.pause!();
    await waitFor(async () => (await status(`${s.hubUrl}/readyz`)) === 503, 20_000, 'unready', 250);
    expect(await status(`${s.hubUrl}/healthz`)).toBe(200);
    await db.start!();
    await waitFor(
      async () => (await status(`${s.hubUrl}/readyz`)) === 200,
      60_000,
      'ready again',
      250,
    ).catch(async (error: Error) => {
      // Is the database back for a fresh client (then the hub's connection is stuck) or not?
      const fresh = await MongoClient.connect(db.uri, { serverSelectionTimeoutMS: 3_000 })
        .then(async (c) => {
          await c.db('admin').command({ ping: 1 });
          await c.close();
          return 'a fresh client reaches the database';
        })
        .catch((e: Error) => `a fresh client cannot reach the database either: ${e.message}`);
      // Which check failed, from the hub's own log.
      const warnings = readFileSync(s.logFile, 'utf8')
        .split('\n')
        .filter((line) => /"level":(40|50)/.test(line))
        .slice(-8)
        .map((line) => line.slice(0, 400));
      throw new Error(`${error.message}; ${fresh}\n${warnings.join('\n')}`);
    });
  }, 90_000);

  it('Ctrl-C stops the hub, the emulator and the database, and removes stack.json', async () => {
    const hubPid = stack.info.hubPid;
    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
    expect(stack.output.join('')).toContain('stopped');
    expect(existsSync(stack.stackFile)).toBe(false);
    expect(() => process.kill(hubPid, 0)).toThrow();
    expect(await status(`${stack.info.hubUrl}/healthz`)).toBe(0);
  }, 60_000);

  it('a second run reuses the data: same company and connector, new secret entered and verified again', async () => {
    const first = stack.info;
    stack = await spawnDevStack({
      dir,
      env: { PATH: process.env['PATH'], MONGODB_URI: db.uri, HUB_DB_PROVIDER: 'uri' },
    });
    const s = stack.info;
    expect(s.companyId).toBe(first.companyId);
    expect(s.connectorId).toBe(first.connectorId);
    expect(s.tenantId).toBe(first.tenantId);
    expect(s.syncGroupId).toBe(first.syncGroupId);
    expect(s.clientSecret).not.toBe(first.clientSecret);
    expect(stack.output.join('')).toContain('verified again');
    // The demo webhook endpoint is the same one, moved to the receiver's new port.
    expect(s.webhookEndpointId).toBe(first.webhookEndpointId);
    expect(stack.output.join('')).toContain(
      `reused the demo webhook endpoint ${s.webhookEndpointId}`,
    );
    const result = await gql<{ connector: { verified: boolean; status: string } }>(
      s.graphqlUrl,
      s.partnerAdminJwt,
      op('ConnectionVerified'),
      { connectorId: s.connectorId },
    );
    expect(result.data?.connector.verified).toBe(true);
    expect(['WAITING_FOR_CONNECTION', 'CONNECTED']).toContain(result.data?.connector.status);
    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
  }, 180_000);
});
