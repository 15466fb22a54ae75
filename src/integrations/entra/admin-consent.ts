import { GRAPH_DEFAULT_SCOPE } from './token-provider.js';

export const CONSENT_CALLBACK_PATH = '/azure/callback';

export interface AdminConsentUrlInput {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** Where this hub is reachable: the redirect is `${publicBaseUrl}/azure/callback`. */
  publicBaseUrl: string;
  /** The opaque single-use nonce; only its hash is stored. */
  state: string;
}

/** The admin-consent URL (entra-docs v2-admin-consent.md) the portal opens in the browser. */
export function adminConsentUrl(input: AdminConsentUrlInput): string {
  const url = new URL(
    `${input.authorityHost}/${encodeURIComponent(input.tenantId)}/v2.0/adminconsent`,
  );
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('scope', GRAPH_DEFAULT_SCOPE);
  url.searchParams.set('redirect_uri', consentRedirectUri(input.publicBaseUrl));
  url.searchParams.set('state', input.state);
  return url.toString();
}

export function consentRedirectUri(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}${CONSENT_CALLBACK_PATH}`;
}
