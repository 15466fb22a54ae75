/**
 * How the hub serves the portal and GraphiQL (src/server/portal.router.ts), and how the consent
 * callback presents its outcome: to the portal, as a small page, or as JSON by Accept header.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { listen } from '../../src/server/http-app.js';
import { sendJson } from '../../src/server/http-io.js';
import { portalRouter, type PortalSettings } from '../../src/server/portal.router.js';
import { startTestHub, TEST_JWT_SECRET, type TestHub } from '../helpers/hub.js';

const silent = pino({ level: 'silent' });

/** A plain server with only the router; anything it declines answers 404 `declined`. */
async function serve(settings: PortalSettings): Promise<{ url: string; server: Server }> {
  const router = portalRouter(settings, silent);
  const server = createServer((req, res) => {
    void (router ? router(req, res) : Promise.resolve(false)).then((handled) => {
      if (!handled) sendJson(res, 404, { error: 'declined' });
    });
  });
  const port = await listen(server, '127.0.0.1', 0);
  return { url: `http://127.0.0.1:${port}`, server };
}

/** A GET with the path exactly as given (fetch would resolve `..` and `%2e%2e` first). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('portal and GraphiQL static serving', () => {
  let webDir: string;
  let servers: Server[] = [];
  const start = async (settings: Partial<PortalSettings>) => {
    const running = await serve({ enabled: true, graphiql: true, webDir, ...settings });
    servers.push(running.server);
    return running.url;
  };

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(tmpdir(), 'hub-web-'));
    await mkdir(path.join(webDir, 'portal', 'assets'), { recursive: true });
    await writeFile(path.join(webDir, 'portal', 'index.html'), '<title>portal index</title>');
    await writeFile(path.join(webDir, 'portal', 'graphiql.html'), '<title>graphiql page</title>');
    await writeFile(path.join(webDir, 'portal', 'assets', 'app-1a2b.js'), 'console.log(1)');
    await writeFile(path.join(webDir, 'portal', '.build-hash'), 'abc');
    await writeFile(path.join(webDir, 'secret.txt'), 'outside the portal');
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    servers = [];
    await rm(webDir, { recursive: true, force: true });
  });

  it('serves the single-page app under /portal with a CSP, and its hashed assets cached for good', async () => {
    const url = await start({});
    const bare = await fetch(`${url}/portal`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([302, '/portal/']);
    for (const page of ['/portal/', '/portal/companies/abc', '/portal/consent?result=verified']) {
      const answer = await fetch(`${url}${page}`);
      expect([page, answer.status]).toEqual([page, 200]);
      expect(await answer.text()).toContain('portal index');
      expect(answer.headers.get('cache-control')).toBe('no-cache');
      expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const asset = await fetch(`${url}/portal/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/portal/assets/missing.js`)).status).toBe(404);
  });

  it('never serves dotfiles or anything outside the portal folder', async () => {
    const url = await start({});
    for (const probe of [
      '/portal/.build-hash',
      '/portal/%2e%2e/secret.txt',
      '/portal/..%2fsecret.txt',
      '/portal/assets/%2E%2E/%2E%2E/secret.txt',
      '/portal/../secret.txt',
      '/portal/assets/../../secret.txt',
    ]) {
      const answer = await rawGet(url, probe);
      expect([probe, answer.status]).toEqual([probe, 404]);
      expect(answer.body).not.toContain('outside the portal');
    }
  });

  it('serves GraphiQL at /graphql to browsers only; GraphQL requests pass through', async () => {
    const url = await start({ enabled: false });
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('graphiql page');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const query = await fetch(`${url}/graphql?query=%7B__typename%7D`, {
      headers: { accept: 'text/html' },
    });
    expect(await query.json()).toEqual({ error: 'declined' });
    const api = await fetch(`${url}/graphql`, { headers: { accept: 'application/json' } });
    expect(await api.json()).toEqual({ error: 'declined' });
    // The portal is off: its pages are not served, GraphiQL's scripts (under /portal/assets) are.
    expect(await (await fetch(`${url}/portal/`)).json()).toEqual({ error: 'declined' });
    expect((await fetch(`${url}/portal/assets/app-1a2b.js`)).status).toBe(200);
  });

  it('declines everything when both are off, and says "not built" when the files are missing', async () => {
    expect(portalRouter({ enabled: false, graphiql: false, webDir }, silent)).toBeNull();
    const url = await start({ webDir: path.join(webDir, 'nothing-here') });
    const answer = await fetch(`${url}/portal/`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('npm run build');
  });

  it('offers the demo sign-ins only when configured, and only what the file holds', async () => {
    const file = path.join(webDir, 'sign-in.json');
    const signIns = [{ label: 'demo partner admin', authorization: 'Bearer x.y.z' }];
    const url = await start({ devSignInFile: file });
    expect(await (await fetch(`${url}/portal/api/dev-sign-in`)).json()).toEqual({ signIns: [] });
    await writeFile(file, JSON.stringify({ signIns, other: 'dropped' }));
    expect(await (await fetch(`${url}/portal/api/dev-sign-in`)).json()).toEqual({ signIns });
    const without = await start({});
    expect((await fetch(`${without}/portal/api/dev-sign-in`)).status).toBe(404);
    expect((await fetch(`${without}/portal/api/other`)).status).toBe(404);
  });

  it('config: on in development, off in production, demo sign-ins refused in production', () => {
    const env = {
      MONGODB_URI: 'mongodb://x/y',
      ENCRYPTION_KEYS: `k:${randomBytes(32).toString('base64')}`,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
    };
    expect(loadConfig({ ...env, NODE_ENV: 'development' }).portal).toMatchObject({
      enabled: true,
      graphiql: true,
    });
    expect(loadConfig({ ...env, NODE_ENV: 'production' }).portal).toMatchObject({
      enabled: false,
      graphiql: false,
    });
    const on = loadConfig({ ...env, NODE_ENV: 'production', PORTAL_ENABLED: 'true' });
    expect(on.portal.enabled).toBe(true);
    expect(() =>
      loadConfig({ ...env, NODE_ENV: 'production', PORTAL_DEV_SIGN_IN_FILE: '/tmp/x.json' }),
    ).toThrow(/PORTAL_DEV_SIGN_IN_FILE/);
  });
});

describe('the consent callback presents its outcome to whoever asks', () => {
  let noPortal: TestHub;
  let withPortal: TestHub;
  beforeAll(async () => {
    noPortal = await startTestHub({ env: { PORTAL_URL: '', PORTAL_ENABLED: 'false' } });
    withPortal = await startTestHub({ env: { PORTAL_URL: '', PORTAL_ENABLED: 'true' } });
  });
  afterAll(async () => {
    await noPortal?.stop();
    await withPortal?.stop();
  });
  const forged = `state=cs_${randomBytes(24).toString('base64url')}&admin_consent=True`;

  it('a client asking for JSON gets the outcome, what happened and what to do', async () => {
    const answer = await fetch(`${noPortal.server.url}/azure/callback?${forged}`, {
      headers: { accept: 'application/json' },
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ connectorId: null, result: 'error', reason: 'invalid_state' });
    expect(body['title']).toBe('Connection not verified');
    expect(String(body['message'])).toMatch(/Verify Connection again/);
  });

  it('a browser gets a small page when no portal is configured, with nothing echoed', async () => {
    const answer = await fetch(`${noPortal.server.url}/azure/callback?${forged}&tenant=<b>x</b>`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
      redirect: 'manual',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await answer.text();
    expect(html).toContain('Connection not verified');
    expect(html).not.toContain('cs_');
    expect(html).not.toContain('<b>x</b>');
  });

  it("a browser is sent to the built-in portal's consent page when the portal is on", async () => {
    const answer = await fetch(`${withPortal.server.url}/azure/callback?${forged}`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(
      '/portal/consent?result=error&reason=invalid_state',
    );
  });
});
