/**
 * deploy/caddy/Caddyfile run by a real Caddy (scripts/caddy-binary.ts builds it from tools/caddy)
 * with the environment deploy/compose.yaml gives the proxy, on free ports instead of 80/443 and
 * with its own storage (the internal CA's root included), and an HTTPS client that trusts that
 * root the way an operator's clients would (Caddy installs it in no trust store).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch, type Response } from 'undici';
import { projectRoot } from '../../src/config.js';
import { freePort } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

export const CADDYFILE = path.join(projectRoot(), 'deploy', 'caddy', 'Caddyfile');

export interface RunningProxy {
  /** https://localhost:PORT */
  url: string;
  httpPort: number;
  /** The internal CA's root certificate (PEM), as an operator would hand it to clients. */
  rootCa: string;
  fetch(pathAndQuery: string, init?: Parameters<typeof fetch>[1]): Promise<Response>;
  /** A request with `rawPath` sent as is (fetch would resolve `..` segments first). */
  rawGet(rawPath: string): Promise<{ status: number; body: string; headers: Headers }>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Caddy with `environment` (the compose service's, interpolated) over which the ports,
 * the admin address and the storage are set for a test; resolves once the admin endpoint (what
 * compose's health check asks) and the HTTPS site answer.
 */
export async function startProxy(
  binary: string,
  environment: Record<string, string>,
): Promise<RunningProxy> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'hub-caddy-'));
  const [httpPort, httpsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(binary, ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      ...environment,
      HTTP_PORT: String(httpPort),
      HTTPS_PORT: String(httpsPort),
      CADDY_ADMIN: `localhost:${adminPort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const stop = async () => {
    if (!dead) child.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (dead) throw new Error(`caddy exited:\n${output.slice(-2000)}`);
        return (await plainGetStatus(`http://127.0.0.1:${adminPort}/config/`)) === 200;
      },
      15_000,
      'the Caddy admin endpoint',
      100,
    );
    const rootCa = readFileSync(
      path.join(home, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt'),
      'utf8',
    );
    const url = `https://localhost:${httpsPort}`;
    const dispatcher = new Agent({ connect: { ca: rootCa } });
    const proxyFetch: RunningProxy['fetch'] = (pathAndQuery, init) =>
      fetch(`${url}${pathAndQuery}`, { ...init, dispatcher });
    // The site's certificate is issued by the internal CA right after start.
    await waitFor(() => proxyFetch('/').then(() => true), 15_000, 'the proxy over TLS', 100);
    return {
      url,
      httpPort,
      rootCa,
      fetch: proxyFetch,
      rawGet: (rawPath) => rawGet(httpsPort, rootCa, rawPath),
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\ncaddy's output:\n${output.slice(-3000)}`);
  }
}

function rawGet(
  port: number,
  ca: string,
  rawPath: string,
): Promise<{ status: number; body: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: 'localhost', port, path: rawPath, method: 'GET', ca, servername: 'localhost' },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, body, headers });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * A GET as wget sends it (compose's health check): Caddy's admin API refuses requests that look
 * like a browser's (fetch sends Sec-Fetch-Mode), against cross-site request forgery.
 */
function plainGetStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}
