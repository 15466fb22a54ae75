import { Client, type ClientOptions } from '@microsoft/microsoft-graph-client';
import type { Dispatcher } from 'undici';
import { isAppError } from '../../domain/errors.js';
import { graphTokenFailure } from './entra-auth-error.js';
import type { EntraCredentials, TokenProvider } from './token-provider.js';

export type { EntraCredentials } from './token-provider.js';

export interface EntraClientFactoryOptions {
  /** e.g. `https://graph.microsoft.com`, no trailing slash; the SDK appends `/v1.0`. */
  graphBaseUrl: string;
  tokens: TokenProvider;
  /** The dispatcher that trusts ENTRA_CA_FILE besides the system CAs (see tls-agent.ts). */
  dispatcher: Dispatcher;
}

const MICROSOFT_GRAPH_HOSTS = new Set(['graph.microsoft.com']);

/**
 * The one way the hub builds Microsoft Graph clients. Stable contract used by the connector
 * lifecycle, the sync engine (delta reader) and the subscription manager:
 *
 *   const client = factory.graphClient({ tenantId, clientId, clientSecret });
 *   await client.api('/users').select('id').get();
 *
 * Tokens come from the shared TokenProvider (MSAL, cached per credentials). Errors: wrap calls
 * with `toGraphAppError` (graph-errors.ts); a token failure surfaces as the token provider's own
 * AppError (UPSTREAM_UNAUTHORIZED with the Entra reason), wherever the client is used. Use
 * `tokens` directly to test credentials without a Graph call.
 */
export class EntraClientFactory {
  private readonly customHosts: Set<string> | undefined;

  constructor(private readonly options: EntraClientFactoryOptions) {
    const host = new URL(options.graphBaseUrl).hostname;
    // The SDK only attaches the bearer token to Graph's own hosts and these (port ignored).
    this.customHosts = MICROSOFT_GRAPH_HOSTS.has(host) ? undefined : new Set([host]);
  }

  get tokens(): TokenProvider {
    return this.options.tokens;
  }

  graphClient(credentials: EntraCredentials): Client {
    const tokens = this.options.tokens;
    return Client.initWithMiddleware({
      authProvider: {
        getAccessToken: async () => {
          try {
            return (await tokens.getToken(credentials)).accessToken;
          } catch (error) {
            // Reaches the caller intact (tokenFailureOf), not re-wrapped as a GraphError -1.
            throw isAppError(error) ? graphTokenFailure(error) : error;
          }
        },
      },
      baseUrl: this.options.graphBaseUrl,
      defaultVersion: 'v1.0',
      ...(this.customHosts ? { customHosts: this.customHosts } : {}),
      // The SDK calls the global fetch; `dispatcher` is undici's extension of RequestInit, which
      // the DOM RequestInit type of ClientOptions does not declare.
      fetchOptions: {
        dispatcher: this.options.dispatcher,
      } as unknown as ClientOptions['fetchOptions'],
    });
  }
}
