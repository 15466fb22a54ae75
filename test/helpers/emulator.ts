/**
 * Test helpers for the Graph + identity emulator (src/emulator). Stable API for every test:
 *
 *   const emulator = await startTestEmulator();
 *   const tenant = await seedTestTenant(emulator, { users: 20, syncGroupMembers: 5 });
 *   const msal = createMsalApp(emulator, tenant);              // real ConfidentialClientApplication
 *   const graph = createGraphClient(emulator, tenant);         // real Graph SDK Client
 *   const users = await graph.api(`/groups/${tenant.syncGroupId}/members`).get();
 *   await emulator.stop();
 *
 * Everything goes over HTTPS; clients trust the emulator's CA through configuration only
 * (MSAL `system.networkClient`, Graph SDK `fetchOptions.dispatcher`), as the hub does.
 */
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { Client, GraphError, type ClientOptions } from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import {
  startEmulator,
  type RunningEmulator,
  type StartEmulatorOptions,
} from '../../src/emulator/index.js';

export type { RunningEmulator } from '../../src/emulator/index.js';

/** Credentials and ids of a seeded tenant, enough to configure the hub's connector. */
export interface TenantCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface SeededTenant extends TenantCredentials {
  defaultDomain: string;
  secretKeyId: string;
  syncGroupId: string;
  /** Generated groups other than the sync group. */
  groupIds: string[];
  userIds: string[];
  guestIds: string[];
  disabledIds: string[];
}

export interface SeedOptions {
  users?: number;
  groups?: number;
  syncGroupMembers?: number;
  syncGroupName?: string;
  /** Devices and service principals in the sync group (consumers must skip them). */
  syncGroupNonUserMembers?: number;
  guestShare?: number;
  disabledShare?: number;
  membershipsPerUser?: number;
  nestedGroupShare?: number;
  seed?: number;
  tenantId?: string;
  defaultDomain?: string;
  /** Application permissions granted by consent. Default User.Read.All + Group.Read.All. */
  permissions?: string[];
  /**
   * false: no admin consent yet. With the default single-tenant app its service principal exists
   * and tokens come without `roles` (Graph answers 403); with a multi-tenant app the app is not
   * in the tenant at all (AADSTS700016). Default true.
   */
  consent?: boolean;
  /**
   * `single-tenant` (default, the seed guide's setup): the app is registered in the tenant, so
   * its service principal exists from the start. `multi-tenant`: registered elsewhere, present
   * in the tenant only once consented.
   */
  appModel?: 'single-tenant' | 'multi-tenant';
  /** Reuse an app registration (multi-tenant app) instead of creating one. */
  app?: { clientId: string; clientSecret: string; secretKeyId?: string };
}

const agents = new WeakMap<RunningEmulator, Agent>();

/**
 * An emulator tuned for tests: dev mode (http://localhost notification URLs allowed), a short
 * notification batch window, quick retries. Pass options to override.
 */
export async function startTestEmulator(
  options: StartEmulatorOptions = {},
): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    allowHttpNotificationUrls: true,
    notificationBatchWindowMs: 20,
    notificationRetryBaseMs: 50,
    notificationRetryWindowMs: 2_000,
    validationTimeoutMs: 2_000,
    deliveryTimeoutMs: 1_000,
    ...options,
  });
  const stop = emulator.stop.bind(emulator);
  emulator.stop = async () => {
    await agents.get(emulator)?.close();
    agents.delete(emulator);
    await stop();
  };
  return emulator;
}

/**
 * Creates a tenant, an app registration with a secret (single-tenant unless `appModel` says
 * otherwise), admin consent, and generated directory data.
 */
export function seedTestTenant(
  emulator: RunningEmulator,
  options: SeedOptions = {},
): Promise<SeededTenant> {
  const control = emulator.control;
  const tenant = control.createTenant({
    ...(options.tenantId !== undefined ? { id: options.tenantId } : {}),
    ...(options.defaultDomain !== undefined ? { defaultDomain: options.defaultDomain } : {}),
  });
  let app = options.app;
  if (!app) {
    const created = control.createApp({
      displayName: 'Entra connector hub (test)',
      ...(options.appModel === 'multi-tenant' ? {} : { homeTenantId: tenant.id }),
    });
    const secret = control.addSecret(created.clientId);
    app = {
      clientId: created.clientId,
      clientSecret: secret.secretText,
      secretKeyId: secret.keyId,
    };
  }
  if (options.consent !== false) control.grantConsent(tenant.id, app.clientId, options.permissions);
  const users = options.users ?? 10;
  const generated = control.generateTenant(tenant.id, {
    users,
    groups: options.groups ?? 3,
    syncGroupMembers: options.syncGroupMembers ?? Math.min(users, 5),
    guestShare: options.guestShare ?? 0,
    disabledShare: options.disabledShare ?? 0,
    ...pick(options, [
      'syncGroupName',
      'syncGroupNonUserMembers',
      'membershipsPerUser',
      'nestedGroupShare',
      'seed',
    ]),
  });
  return Promise.resolve({
    tenantId: tenant.id,
    defaultDomain: tenant.defaultDomain,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    secretKeyId: app.secretKeyId ?? '',
    syncGroupId: generated.syncGroupId,
    groupIds: generated.groupIds,
    userIds: generated.userIds,
    guestIds: generated.guestIds,
    disabledIds: generated.disabledIds,
  });
}

/** An undici Agent that trusts the emulator's CA (keep-alive; closed by `emulator.stop()`). */
export function emulatorAgent(emulator: RunningEmulator): Agent {
  let agent = agents.get(emulator);
  if (!agent) {
    agent = new Agent({ connect: { ca: emulator.caCertPem }, keepAliveTimeout: 10_000 });
    agents.set(emulator, agent);
  }
  return agent;
}

/** `fetch` that trusts the emulator's CA: for wire-level assertions. */
export function emulatorFetch(emulator: RunningEmulator) {
  return (url: string | URL, init: UndiciRequestInit = {}) =>
    undiciFetch(url, { ...init, dispatcher: emulatorAgent(emulator) });
}

/**
 * MSAL's network client over undici with the emulator's CA: since MSAL node v5 the only way to
 * trust a private CA besides NODE_EXTRA_CA_CERTS. Resolves `{headers, body, status}` on any
 * status; MSAL turns error bodies into ServerError itself.
 */
export function createCaNetworkModule(caPem: string): INetworkModule {
  const agent = new Agent({ connect: { ca: caPem } });
  const send = async <T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions) => {
    const response = await undiciFetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      dispatcher: agent,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    const text = await response.text();
    return {
      headers,
      body: (text ? JSON.parse(text) : {}) as T,
      status: response.status,
    } satisfies NetworkResponse<T>;
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, 'GET', options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, 'POST', options),
  };
}

/**
 * The MSAL configuration the hub uses against the emulator: authority on the emulator host,
 * `knownAuthorities` + `authorityMetadata` + `cloudDiscoveryMetadata` (no discovery calls), and
 * a network client that trusts the emulator CA.
 */
export function msalConfig(
  emulator: RunningEmulator,
  credentials: TenantCredentials,
): Configuration {
  const host = new URL(emulator.authorityHost).host;
  const authority = `${emulator.authorityHost}/${credentials.tenantId}`;
  return {
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority,
      knownAuthorities: [host],
      authorityMetadata: JSON.stringify({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        issuer: `${emulator.authorityHost}/${credentials.tenantId}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      }),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
    system: { networkClient: createCaNetworkModule(emulator.caCertPem) },
  };
}

export function createMsalApp(
  emulator: RunningEmulator,
  credentials: TenantCredentials,
): ConfidentialClientApplication {
  return new ConfidentialClientApplication(msalConfig(emulator, credentials));
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export async function acquireGraphToken(
  emulator: RunningEmulator,
  credentials: TenantCredentials,
): Promise<string> {
  const result = await createMsalApp(emulator, credentials).acquireTokenByClientCredential({
    scopes: [GRAPH_SCOPE],
  });
  if (!result?.accessToken) throw new Error('MSAL returned no access token');
  return result.accessToken;
}

/**
 * The Graph SDK client as the hub builds it: base URL on the emulator, the emulator host in
 * `customHosts` (or the SDK would not send the token), a dispatcher trusting the emulator CA.
 * Tokens come from MSAL (client credentials) unless `getAccessToken` is given.
 */
export function createGraphClient(
  emulator: RunningEmulator,
  credentials: TenantCredentials,
  extra: Partial<ClientOptions> & {
    getAccessToken?: () => Promise<string>;
    /**
     * Ask MSAL for a new token on every request. Needed after `control.advanceClock()` moves
     * past a token's expiry: MSAL's cache judges expiry by the real clock, Graph by the emulator's.
     */
    freshTokens?: boolean;
  } = {},
): Client {
  const msal = createMsalApp(emulator, credentials);
  const { getAccessToken: given, freshTokens, ...options } = extra;
  const getAccessToken =
    given ??
    (async () => {
      const result = await msal.acquireTokenByClientCredential({
        scopes: [GRAPH_SCOPE],
        ...(freshTokens ? { skipCache: true } : {}),
      });
      if (!result?.accessToken) throw new Error('MSAL returned no access token');
      return result.accessToken;
    });
  return Client.initWithMiddleware({
    authProvider: { getAccessToken },
    baseUrl: emulator.graphBaseUrl,
    customHosts: new Set([new URL(emulator.graphBaseUrl).hostname]),
    // The SDK calls global fetch; `dispatcher` is undici's extension of RequestInit. The cast
    // bridges undici 7's types and the undici-types bundled with @types/node.
    fetchOptions: {
      dispatcher: emulatorAgent(emulator),
    } as unknown as ClientOptions['fetchOptions'],
    ...options,
  });
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** The GraphError a Graph SDK request fails with; fails the test when it succeeds instead. */
export async function graphErrorOf(request: Promise<unknown>): Promise<GraphError> {
  try {
    await request;
  } catch (error) {
    if (error instanceof GraphError) return error;
    throw error;
  }
  throw new Error('expected the Graph request to fail, but it succeeded');
}
