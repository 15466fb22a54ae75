import { createHash } from 'node:crypto';
import {
  ConfidentialClientApplication,
  LogLevel,
  type Configuration,
  type INetworkModule,
} from '@azure/msal-node';
import type { Logger } from 'pino';
import { toEntraAuthError } from './entra-auth-error.js';

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/** The three values an admin copies from the app registration into the portal. */
export interface EntraCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /**
   * When the client secret expires, as entered with it (or assumed). Once it has passed, a token
   * cached before it is not used: Entra is asked again, and its answer (AADSTS7000222) names the
   * date. Entra stays the judge: a secret that still works keeps working.
   */
  clientSecretExpiresAt?: Date | null;
}

export interface AccessToken {
  accessToken: string;
  expiresOn: Date | null;
}

export interface TokenProviderOptions {
  /** e.g. `https://login.microsoftonline.com`, no trailing slash. */
  authorityHost: string;
  networkClient: INetworkModule;
  logger: Logger;
  /** Applications kept (each holds its own token cache). */
  maxApplications?: number;
  now?: () => Date;
}

interface CachedApplication {
  app: ConfidentialClientApplication;
  createdAt: number;
  /** The last token and until when it is handed out without asking MSAL (see getToken). */
  last?: { token: AccessToken; until: number };
}

/** MSAL treats a cached token as expired this long before it does (its renewal offset). */
const RENEWAL_OFFSET_MS = 300_000;

/** Hosts MSAL knows; anything else gets explicit metadata so MSAL makes no discovery calls. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

/**
 * Client-credentials tokens for Microsoft Graph, one MSAL ConfidentialClientApplication per
 * tenant + client + secret fingerprint. Keeping the application keeps MSAL's in-memory token
 * cache, so repeated calls reuse a token until shortly before it expires; a changed secret gets
 * a new application (and never a token cached under the old one).
 */
export class TokenProvider {
  private readonly apps = new Map<string, CachedApplication>();
  private readonly maxApplications: number;
  private readonly now: () => Date;

  constructor(private readonly options: TokenProviderOptions) {
    this.maxApplications = options.maxApplications ?? 500;
    this.now = options.now ?? (() => new Date());
  }

  /** Throws an AppError (UPSTREAM_UNAUTHORIZED with an Entra reason, or UPSTREAM_UNAVAILABLE). */
  async getToken(credentials: EntraCredentials): Promise<AccessToken> {
    const now = this.now();
    const cached = this.application(credentials, now.getTime());
    // MSAL's cache lookup costs about half a millisecond, and a full sync asks for a token per
    // Graph request: the last token is reused while MSAL would return it anyway (until its
    // refresh time or its renewal offset before expiry, whichever comes first).
    if (cached.last && now.getTime() < cached.last.until) return cached.last.token;
    try {
      const result = await cached.app.acquireTokenByClientCredential({
        scopes: [GRAPH_DEFAULT_SCOPE],
      });
      if (!result?.accessToken) throw new Error('MSAL returned no access token');
      const token = { accessToken: result.accessToken, expiresOn: result.expiresOn };
      const expires = result.expiresOn ? result.expiresOn.getTime() - RENEWAL_OFFSET_MS : 0;
      const refresh = result.refreshOn?.getTime() ?? Infinity;
      cached.last = { token, until: Math.min(expires, refresh) };
      return token;
    } catch (error) {
      const expiresAt = credentials.clientSecretExpiresAt;
      throw toEntraAuthError(error, {
        secretExpiredOn: expiresAt && expiresAt <= now ? expiresAt : null,
      });
    }
  }

  /** Drops the cached application (and its tokens), e.g. after consent or permissions change. */
  forget(credentials: EntraCredentials): void {
    this.apps.delete(cacheKey(credentials));
  }

  private application(credentials: EntraCredentials, now: number): CachedApplication {
    const key = cacheKey(credentials);
    const cached = this.apps.get(key);
    const expiresAt = credentials.clientSecretExpiresAt?.getTime() ?? Infinity;
    // A token cached before the secret's known expiry is not used after it (MSAL would serve it
    // for up to an hour): a new application has an empty cache, so Entra is asked.
    const stale = cached !== undefined && expiresAt <= now && cached.createdAt < expiresAt;
    if (cached && !stale) {
      // Re-insert to keep the Map in least-recently-used order.
      this.apps.delete(key);
      this.apps.set(key, cached);
      return cached;
    }
    this.apps.delete(key);
    const created = {
      app: new ConfidentialClientApplication(this.configuration(credentials)),
      createdAt: now,
    };
    this.apps.set(key, created);
    if (this.apps.size > this.maxApplications) {
      const oldest = this.apps.keys().next().value;
      if (oldest !== undefined) this.apps.delete(oldest);
    }
    return created;
  }

  private configuration(credentials: EntraCredentials): Configuration {
    const host = new URL(this.options.authorityHost).host;
    const authority = `${this.options.authorityHost}/${credentials.tenantId}`;
    const logger = this.options.logger;
    const auth: Configuration['auth'] = {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority,
    };
    if (!MICROSOFT_AUTHORITY_HOSTS.has(new URL(this.options.authorityHost).hostname)) {
      // graph-facts §3: with these three MSAL trusts the host and does no instance discovery.
      auth.knownAuthorities = [host];
      auth.authorityMetadata = JSON.stringify({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      });
      auth.cloudDiscoveryMetadata = JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    return {
      auth,
      system: {
        networkClient: this.options.networkClient,
        loggerOptions: {
          // PII stays off: MSAL would otherwise log client ids and request bodies.
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message) => {
            if (level <= LogLevel.Error) logger.warn({ msal: true }, message);
          },
        },
      },
    };
  }
}

function cacheKey(credentials: EntraCredentials): string {
  const fingerprint = createHash('sha256').update(credentials.clientSecret).digest('hex');
  return `${credentials.tenantId.toLowerCase()}|${credentials.clientId.toLowerCase()}|${fingerprint}`;
}
