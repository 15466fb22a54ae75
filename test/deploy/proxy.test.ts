/**
 * The shipped deploy/caddy/Caddyfile, run by a real Caddy with the environment compose.yaml gives
 * the proxy, in front of two real hub processes: the public paths (the API over HTTP and
 * WebSocket, Graph's notifications, the consent callback, the portal when it is on) reach a hub;
 * everything else, /metrics and the health probes included, is answered 404 by the proxy
 * itself, although these hubs serve /metrics on their main port. The replicas share the load and
 * one may stop (a rolling restart) without a failed request.
 *
 * The proxy's own refusal is `404 Not Found` in plain text; the hub answers an unknown path with
 * JSON and a probe with 200, which tells the two apart. The Caddy binary is built from tools/caddy (the version the
 * compose file's proxy image carries) through the Go module proxy, cached under .cache/caddy.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { projectRoot } from '../../src/config.js';
import { CONSENT_CALLBACK_PATH } from '../../src/integrations/entra/admin-consent.js';
import { METRICS_PATH } from '../../src/observability/operability.js';
import { GRAPHQL_PATH } from '../../src/server/http-app.js';
import { LIFECYCLE_PATH, WEBHOOK_PATH } from '../../src/webhooks/webhook.router.js';
import { ensureCaddy } from '../../scripts/caddy-binary.js';
import { freePort } from '../helpers/hub.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { partnerJwt } from '../helpers/jwt.js';
import { waitFor } from '../helpers/wait.js';
import { startProxy, type RunningProxy } from './caddy-process.js';
import { interpolate, readCompose, readDeployEnvExample, services } from './compose-file.js';

/** The proxy's answer to a path it does not route (the Caddyfile's `respond`). */
const CADDY_NOT_FOUND = 'Not Found';
/** What deploy/.env.example tells an operator to set when the built-in portal is on. */
const PORTAL_PATHS = '/portal /portal/*';

let binary: string;
let hubs: HubProcess[] = [];
let proxy: RunningProxy;

/** The proxy service's environment in compose.yaml, with deploy/.env.example's values. */
function composeProxyEnvironment(): Record<string, string> {
  const env = {
    ...readDeployEnvExample(),
    HUB_IMAGE: 'hub:test',
    MONGO_HUB_PASSWORD: 'ab'.repeat(24),
  };
  const deployed = interpolate(readCompose(), env).value;
  return services(deployed)['proxy']!['environment'] as Record<string, string>;
}

function proxyFor(upstreams: HubProcess[], extra: Record<string, string> = {}) {
  return startProxy(binary, {
    ...composeProxyEnvironment(),
    HUB_DOMAIN: 'localhost',
    HUB_UPSTREAMS: upstreams.map((h) => `127.0.0.1:${h.port}`).join(' '),
    ...extra,
  });
}

const graphql = (query: string, headers: Record<string, string> = {}) =>
  proxy.fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

beforeAll(async () => {
  ({ binary } = await ensureCaddy(projectRoot(), (line) =>
    process.stderr.write(`[caddy:build] ${line}\n`),
  ));
  const first = await startHubProcess({ webhooks: false, env: { PORTAL_ENABLED: 'true' } });
  hubs = [first, await startHubProcess({ env: { ...first.env, PORT: String(await freePort()) } })];
  proxy = await proxyFor(hubs);
  // A go build on two shared cores when .cache/caddy has no binary for these sources yet.
}, 15 * 60_000);

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(hubs.map((h) => h.stop()));
  if (hubs[0]) await dropHubDatabase(hubs[0].env);
});

describe('deploy/caddy/Caddyfile in front of real hubs', () => {
  it('routes the API, Graph notifications and the consent callback to a hub', async () => {
    const answer = await graphql('{ __typename }', {
      authorization: `Bearer ${await partnerJwt()}`,
    });
    expect([answer.status, await answer.json()]).toEqual([200, { data: { __typename: 'Query' } }]);
    expect(answer.headers.get('x-request-id')).toEqual(expect.any(String));

    // Graph's validation handshake on both receivers: the decoded token echoed as text.
    for (const receiver of [WEBHOOK_PATH, LIFECYCLE_PATH]) {
      const handshake = await proxy.fetch(`${receiver}?validationToken=a%20token%2B1`, {
        method: 'POST',
      });
      expect([receiver, handshake.status, await handshake.text()]).toEqual([
        receiver,
        200,
        'a token+1',
      ]);
    }

    const callback = await proxy.fetch(
      `${CONSENT_CALLBACK_PATH}?state=unknown&admin_consent=True`,
      {
        headers: { accept: 'application/json' },
      },
    );
    expect(callback.status).toBe(200);
    expect(await callback.json()).toMatchObject({ connectorId: null, result: 'error' });
  });

  it('answers every other path itself with 404: /metrics and the health probes stay internal', async () => {
    // These hubs serve /metrics on their main port: only the proxy stands in between.
    const direct = await fetch(`${hubs[0]!.url}${METRICS_PATH}`);
    expect([direct.status, (await direct.text()).includes('hub_build_info')]).toEqual([200, true]);

    const internal = [
      METRICS_PATH,
      `${METRICS_PATH}?name[]=hub_build_info`,
      '/readyz',
      '/healthz',
      '/',
      '/portal/',
      `${GRAPHQL_PATH}/extra`,
      `${WEBHOOK_PATH}s`,
      `${LIFECYCLE_PATH}/extra`,
      `${CONSENT_CALLBACK_PATH}/extra`,
    ];
    for (const p of internal) {
      const answer = await proxy.fetch(p);
      expect([p, answer.status, await answer.text()]).toEqual([p, 404, CADDY_NOT_FOUND]);
    }
    // Spellings a path matcher might read one way and the hub another.
    for (const raw of [
      `${GRAPHQL_PATH}/..${METRICS_PATH}`,
      `${GRAPHQL_PATH}/%2e%2e${METRICS_PATH}`,
      `${WEBHOOK_PATH}/..%2f..%2f${METRICS_PATH.slice(1)}`,
      `/${METRICS_PATH}`,
      METRICS_PATH.toUpperCase(),
    ]) {
      const answer = await proxy.rawGet(raw);
      expect([raw, answer.status, answer.body]).toEqual([raw, 404, CADDY_NOT_FOUND]);
    }
  });

  it('carries live events over WebSocket (graphql-ws) to a hub', async () => {
    const socket = new WebSocket(
      `${proxy.url.replace('https', 'wss')}${GRAPHQL_PATH}`,
      'graphql-transport-ws',
      {
        ca: proxy.rootCa,
      },
    );
    const messages: { type: string }[] = [];
    socket.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString()) as { type: string }),
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: `Bearer ${await partnerJwt()}` },
      }),
    );
    await waitFor(
      () => messages.some((m) => m.type === 'connection_ack'),
      10_000,
      'connection_ack',
    );
    socket.close(1000);
  });

  it('redirects plain HTTP to HTTPS, sends HSTS and hides its name', async () => {
    const plain = await fetch(`http://localhost:${proxy.httpPort}${GRAPHQL_PATH}`, {
      redirect: 'manual',
    });
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe(`https://localhost${GRAPHQL_PATH}`);
    const answer = await graphql('{ __typename }');
    expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(answer.headers.get('server')).toBeNull();
  });

  it('routes the built-in portal only when PORTAL_PATHS names it', async () => {
    const example = readFileSync(path.join(projectRoot(), 'deploy', '.env.example'), 'utf8');
    expect(example).toContain(`"${PORTAL_PATHS}"`);
    const withPortal = await proxyFor([hubs[0]!], { PORTAL_PATHS });
    try {
      const page = await withPortal.fetch('/portal/');
      expect([page.status, page.headers.get('content-type')]).toEqual([
        200,
        expect.stringContaining('text/html'),
      ]);
      const bare = await withPortal.fetch('/portal', { redirect: 'manual' });
      expect([bare.status, bare.headers.get('location')]).toEqual([302, '/portal/']);
      for (const p of ['/portals', METRICS_PATH]) {
        const answer = await withPortal.fetch(p);
        expect([p, answer.status, await answer.text()]).toEqual([p, 404, CADDY_NOT_FOUND]);
      }
    } finally {
      await withPortal.stop();
    }
  });

  it('shares the load between the replicas and loses no request when one stops', async () => {
    const served = (hub: HubProcess, ids: string[]) =>
      hub.records().filter((r) => r['msg'] === 'request' && ids.includes(r['requestId'] as string))
        .length;
    const send = async (count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const id = `lb-${randomUUID()}`;
        const answer = await graphql('{ __typename }', { 'x-request-id': id });
        expect([answer.status, answer.headers.get('x-request-id')]).toEqual([200, id]);
        ids.push(id);
      }
      return ids;
    };
    const before = await send(20);
    await waitFor(
      () => served(hubs[0]!, before) + served(hubs[1]!, before) === 20,
      5_000,
      'access lines',
    );
    expect(served(hubs[0]!, before)).toBeGreaterThan(0);
    expect(served(hubs[1]!, before)).toBeGreaterThan(0);

    // A rolling restart stops one replica; the proxy retries the other and its health check
    // takes the stopped one out.
    await hubs[1]!.stop();
    const after = await send(20);
    await waitFor(() => served(hubs[0]!, after) === 20, 5_000, 'access lines of the remaining hub');
  });
});
