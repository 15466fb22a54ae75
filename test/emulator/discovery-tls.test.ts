import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { generateCertificate, startEmulator } from '../../src/emulator/index.js';
import {
  createCaNetworkModule,
  createMsalApp,
  emulatorFetch,
  GRAPH_SCOPE,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';

/** graph-facts §1 and §3: HTTPS with a private CA, discovery documents, MSAL's requirements. */
describe('HTTPS and discovery', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 1, groups: 0 });
  });
  afterAll(() => emulator.stop());

  it('serves HTTPS only, with a certificate clients must trust through configuration', async () => {
    expect(emulator.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(emulator.authorityHost).toBe(emulator.url);
    expect(emulator.graphBaseUrl).toBe(emulator.url);
    await expect(undiciFetch(`${emulator.url}/_emulator/health`)).rejects.toThrow();
    const trusted = await emulatorFetch(emulator)(`${emulator.url}/_emulator/health`);
    expect(trusted.status).toBe(200);
    const plain = await undiciFetch(
      `http://localhost:${new URL(emulator.url).port}/_emulator/health`,
    ).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
  });

  it('presents a leaf valid for localhost and 127.0.0.1 signed by the exposed CA', async () => {
    const port = Number(new URL(emulator.url).port);
    for (const host of ['localhost', '127.0.0.1']) {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(
          {
            host: '127.0.0.1',
            port,
            servername: host === 'localhost' ? host : undefined,
            ca: emulator.caCertPem,
          },
          () => {
            const ok = socket.authorized;
            socket.end();
            resolve(ok);
          },
        );
        socket.on('error', reject);
      });
      expect(authorized).toBe(true);
    }
  });

  it('writes the CA PEM to a file for NODE_EXTRA_CA_CERTS', async () => {
    const path = await emulator.writeCaFile();
    try {
      expect(await readFile(path, 'utf8')).toBe(emulator.caCertPem);
      expect(emulator.caCertPem).toContain('BEGIN CERTIFICATE');
    } finally {
      await rm(path, { force: true });
    }
  });

  it('uses a given certificate instead of generating one', async () => {
    const certificate = await generateCertificate();
    const custom = await startEmulator({ certificate });
    const agent = new Agent({ connect: { ca: certificate.ca } });
    try {
      expect(custom.caCertPem).toBe(certificate.ca);
      const response = await undiciFetch(`${custom.url}/_emulator/health`, { dispatcher: agent });
      expect(response.status).toBe(200);
    } finally {
      await agent.close();
      await custom.stop();
    }
  });

  it('serves the openid-configuration MSAL validates (issuer on the authority origin)', async () => {
    const response = await emulatorFetch(emulator)(
      `${emulator.authorityHost}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    expect(response.status).toBe(200);
    const config = (await response.json()) as Record<string, string>;
    expect(config['token_endpoint']).toBe(
      `${emulator.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`,
    );
    expect(config['issuer']).toBe(`${emulator.authorityHost}/${tenant.tenantId}/v2.0`);
    const jwks = (await (await emulatorFetch(emulator)(config['jwks_uri']!)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
  });

  it('openid-configuration for an unknown tenant: 400 AADSTS90002', async () => {
    const response = await emulatorFetch(emulator)(
      `${emulator.authorityHost}/contoso-unknown.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: string;
      error_codes: number[];
      error_description: string;
    };
    expect(body.error_codes).toEqual([90002]);
    expect(body.error_description).toMatch(/^AADSTS90002: /);
  });

  it('MSAL with only knownAuthorities discovers the endpoints over the network', async () => {
    const host = new URL(emulator.authorityHost).host;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: tenant.clientId,
        clientSecret: tenant.clientSecret,
        authority: `${emulator.authorityHost}/${tenant.tenantId}`,
        knownAuthorities: [host],
      },
      system: { networkClient: createCaNetworkModule(emulator.caCertPem) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    expect(result?.accessToken).toBeTruthy();
    const discovery = emulator.control
      .requestLog()
      .filter((e) => e.path.includes('openid-configuration'));
    expect(discovery.length).toBeGreaterThan(0);
  });

  it('MSAL with authorityMetadata and cloudDiscoveryMetadata makes no discovery call', async () => {
    emulator.control.clearRequestLog();
    await createMsalApp(emulator, tenant).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    const paths = emulator.control.requestLog().map((e) => e.path);
    expect(paths).toEqual([`/${tenant.tenantId}/oauth2/v2.0/token`]);
  });

  it('MSAL refuses a non-https authority (which is why the emulator is HTTPS only)', async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: tenant.clientId,
        clientSecret: 'x',
        authority: `http://localhost:1/${tenant.tenantId}`,
      },
    });
    const error = await app
      .acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'authority_uri_insecure' });
  });
});
