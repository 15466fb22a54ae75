/**
 * Secrets never leak: a full scenario on a real hub process (install, a wrong secret then the
 * right one, verify, admin consent, groups, activate, Graph subscriptions, change notifications,
 * a lifecycle event, the initial full sync and webhook-driven delta syncs, token rotation, a sync
 * requested with the connector token) while every
 * GraphQL answer (HTTP and WebSocket) and every log line is kept; afterwards every document of
 * every collection. None may contain the client secrets, the connector tokens, the clientState
 * values or any JWT (Graph access tokens, portal sessions), in clear or encoded.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import {
  createGraphClient,
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { startHubProcess, stopHubs, type HubProcess } from '../helpers/hub-process.js';
import { gqlAnswer, wsClient } from '../helpers/graphql.js';
import { findJwts, scanForSecrets, type TextSource } from '../helpers/secret-scan.js';
import { dumpDatabase } from '../helpers/snapshot.js';
import { waitFor } from '../helpers/wait.js';
import { FINISHED, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';

describe('secrets never appear in answers, logs or the database', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;
  let hub: HubProcess;
  const answers: TextSource[] = [];
  /** install and rotate answers: they show the new connector token once, by design. */
  const disclosures: TextSource[] = [];
  const connectorTokens: string[] = [];
  const wrongSecret = `Wr0ng~${'k'.repeat(8)}.secret_${Date.now()}`;

  async function gql<T>(
    auth: string,
    query: string,
    variables: Record<string, unknown> = {},
    showsToken = false,
  ) {
    const answer = await gqlAnswer<T>(hub.url, auth, query, variables);
    (showsToken ? disclosures : answers).push({
      where: `graphql ${query.slice(0, 60)}`,
      text: answer.raw,
    });
    if (answer.errors?.length) throw new Error(`GraphQL errors: ${answer.raw.slice(0, 500)}`);
    return answer.data as T;
  }

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, {
      users: 12,
      groups: 2,
      syncGroupMembers: 5,
      consent: false,
    });
    hub = await startHubProcess({ emulator });
  });
  afterAll(async () => {
    await stopHubs({ hubs: [hub], emulator });
  });

  it('runs the whole scenario, then finds nothing', async () => {
    const admin = `Bearer ${await partnerJwt('partner-secrets')}`;
    const { createCompany } = await gql<{ createCompany: { id: string } }>(
      admin,
      'mutation{ createCompany(input:{name:"Secret Corp"}) { id } }',
    );
    const companyId = createCompany.id;

    // The portal watches the company over graphql-ws: those answers count too.
    const ws = wsClient(hub.url, admin);
    const unsubscribe = ws.subscribe(
      {
        query:
          'subscription($c:ID){ connectorStatusChanged(companyId:$c) { connectorId status statusReason } }',
        variables: { c: companyId },
      },
      {
        next: (value) => void answers.push({ where: 'graphql-ws', text: JSON.stringify(value) }),
        error: (error) => void answers.push({ where: 'graphql-ws error', text: String(error) }),
        complete: () => undefined,
      },
    );

    const { installConnector } = await gql<{
      installConnector: { authenticationToken: string; connector: { id: string } };
    }>(
      admin,
      'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { authenticationToken connector { id } } }',
      { c: companyId },
      true,
    );
    const id = installConnector.connector.id;
    connectorTokens.push(installConnector.authenticationToken);

    const setCredentials = (clientSecret: string) =>
      gql(
        admin,
        'mutation($i:SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id clientSecretHint } }',
        {
          i: {
            connectorId: id,
            tenantId: tenant.tenantId,
            clientId: tenant.clientId,
            clientSecret,
          },
        },
      );
    const verify = () =>
      gql<{ verifyConnection: { verified: boolean; consentUrl: string | null } }>(
        admin,
        'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified consentUrl error { code message reason } } }',
        { id },
      ).then((d) => d.verifyConnection);

    // A wrong secret first: Entra's refusal is the classic place for a secret to be echoed.
    await setCredentials(wrongSecret);
    expect((await verify()).verified).toBe(false);
    await setCredentials(tenant.clientSecret);
    const first = await verify();
    expect(first.verified).toBe(false);
    expect(first.consentUrl).toBeTruthy();

    // Admin consent at "Microsoft", then the hub's callback, as the browser does it.
    const atMicrosoft = await emulatorFetch(emulator)(first.consentUrl!, { redirect: 'manual' });
    const callback = atMicrosoft.headers.get('location')!;
    const atHub = await fetch(callback, { redirect: 'manual' });
    answers.push({ where: 'consent callback', text: `${atHub.headers.get('location')}` });
    expect((await verify()).verified).toBe(true);

    await gql(
      admin,
      'query($id:ID!){ entraGroups(connectorId:$id, first:10) { edges { node { id displayName } } } }',
      { id },
    );
    await gql(
      admin,
      'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
      {
        id,
        g: tenant.syncGroupId,
      },
    );
    await gql(
      admin,
      'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
      {
        id,
        g: [tenant.groupIds[0]!],
      },
    );
    await gql(admin, 'mutation($id:ID!){ activateConnector(connectorId:$id) { id status } }', {
      id,
    });

    // Graph subscriptions, each with a clientState the hub chose.
    const subscriptions = await waitFor(
      () => {
        const list = emulator.control.listSubscriptions(tenant.tenantId);
        return list.length === 3 ? list : null;
      },
      20_000,
      'three subscriptions at the emulator',
    );
    // What the hub sent as clientState, as Graph (the emulator) holds it.
    const graph = createGraphClient(emulator, tenant);
    const clientStates: string[] = [];
    for (const subscription of subscriptions) {
      const held = (await graph.api(`/subscriptions/${subscription.id}`).get()) as {
        clientState: string | null;
      };
      if (held.clientState) clientStates.push(held.clientState);
    }
    expect(clientStates).toHaveLength(3);

    // Change notifications (membership and attributes) and a lifecycle event.
    const members = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
    const outsider = tenant.userIds.find((u) => !members.includes(u))!;
    emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [outsider]);
    emulator.control.updateUser(tenant.tenantId, members[0]!, { jobTitle: 'Secret keeper' });
    emulator.control.sendLifecycleEvent(subscriptions[0]!.id, 'reauthorizationRequired');
    await emulator.control.waitForNotifications();
    // The initial full sync and the webhook-driven delta sync both ran and finished.
    const data = await openHubData(hub.env['MONGODB_URI']!);
    try {
      await waitFor(
        async () => {
          const runs = await data.runs(id);
          return (
            runs.some((r) => r.trigger === 'INITIAL' && r.status === 'SUCCEEDED') &&
            runs.some((r) => r.trigger === 'WEBHOOK') &&
            runs.every((r) => FINISHED.includes(r.status))
          );
        },
        30_000,
        'the INITIAL and a WEBHOOK sync to finish',
      );
      expect((await data.users(id)).map((u) => u.entraId)).toContain(outsider);
    } finally {
      await data.close();
    }

    // The connector's own token: rotated, then used to ask for a sync.
    const { rotateConnectorToken } = await gql<{
      rotateConnectorToken: { authenticationToken: string };
    }>(
      admin,
      'mutation($id:ID!){ rotateConnectorToken(connectorId:$id) { authenticationToken } }',
      { id },
      true,
    );
    connectorTokens.push(rotateConnectorToken.authenticationToken);
    const { synchronizeNow } = await gql<{ synchronizeNow: { runId: string } }>(
      `Connector ${rotateConnectorToken.authenticationToken}`,
      'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
      { id },
    );
    const check = await openHubData(hub.env['MONGODB_URI']!);
    try {
      await waitFor(
        async () =>
          (await check.runs(id)).some(
            (r) => String(r._id) === synchronizeNow.runId && FINISHED.includes(r.status),
          ),
        30_000,
        'the MANUAL sync to finish',
      );
    } finally {
      await check.close();
    }
    await gql(
      admin,
      'query($id:ID!){ connector(id:$id) { id status statusReason clientSecretHint lastError { code message } } }',
      { id },
    );

    unsubscribe();
    await ws.dispose();
    // SIGTERM: everything the process meant to log is flushed before it exits.
    expect((await hub.stop()).code).toBe(0);

    const logs: TextSource[] = [
      ...hub.lines.map((text, i) => ({ where: `log line ${i + 1}`, text })),
      { where: 'stderr', text: hub.stderr() },
    ];
    const connection = await mongoose.createConnection(hub.env['MONGODB_URI']!).asPromise();
    let documents: TextSource[];
    try {
      documents = (await dumpDatabase(connection)).map((d) => ({
        where: `db ${d.collection}`,
        text: d.text,
      }));
    } finally {
      await connection.close();
    }
    // The scan is only as good as its coverage: the scenario must have produced real material.
    expect(answers.length).toBeGreaterThan(12);
    expect(logs.length).toBeGreaterThan(10);
    expect(new Set(documents.map((d) => d.where)).size).toBeGreaterThan(4);
    expect(documents.some((d) => d.text.includes(tenant.clientId))).toBe(true);

    const all = [...answers, ...logs, ...documents];
    const findings = scanForSecrets(
      {
        clientSecret: tenant.clientSecret,
        wrongClientSecret: wrongSecret,
        connectorToken: connectorTokens,
        clientState: clientStates,
      },
      all,
    );
    expect(findings).toEqual([]);
    expect(findJwts(all)).toEqual([]);
    // The one-time disclosures show the connector token and nothing else secret.
    expect(
      scanForSecrets(
        { clientSecret: tenant.clientSecret, wrongSecret, clientState: clientStates },
        disclosures,
      ),
    ).toEqual([]);
    expect(disclosures.map((d) => d.text).join()).toContain(connectorTokens[1]);
  });
});
