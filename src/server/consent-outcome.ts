import type { ConsentOutcome } from '../connectors/consent.service.js';

/** What the admin reads after Microsoft's consent page: what happened and what to do next. */
export interface ConsentOutcomeText {
  title: string;
  message: string;
}

const VERIFY_AGAIN = 'Open the connector (Azure Auth tab) and click Verify Connection again.';

/**
 * One sentence per reason the consent service can return (docs/api.md, "Admin consent and the
 * callback"). Reasons are a fixed vocabulary; an unknown one gets the generic advice.
 */
const REASONS: Record<string, string> = {
  access_denied: `The admin consent was declined at Microsoft. ${VERIFY_AGAIN} Then click Accept.`,
  consent_required: `Microsoft asked for consent again. ${VERIFY_AGAIN}`,
  invalid_request: `Microsoft refused the consent request. Check the app registration's redirect URI (Web: <hub>/azure/callback), then ${lowerFirst(VERIFY_AGAIN)}`,
  invalid_client:
    'Microsoft does not know this application (client) ID in that tenant. Check the Application (client) ID on the app registration Overview page.',
  unauthorized_client:
    'The app registration may not be used this way. Check that it is a Web app in this organizational directory only (single tenant).',
  server_error: `Microsoft had a problem. ${VERIFY_AGAIN}`,
  temporarily_unavailable: `Microsoft is temporarily unavailable. Wait a minute; ${lowerFirst(VERIFY_AGAIN)}`,
  consent_failed: `Microsoft did not grant consent. ${VERIFY_AGAIN}`,
  invalid_state: `This consent link is unknown, expired (10 minutes) or already used. ${VERIFY_AGAIN}`,
  connector_not_found:
    'The connector was uninstalled meanwhile. Install it again from the Connectors list.',
  credentials_changed: `The credentials were edited after consent was requested. ${VERIFY_AGAIN}`,
  invalid_response: `Microsoft's answer was incomplete. ${VERIFY_AGAIN}`,
  tenant_mismatch:
    "Consent was granted in another tenant than the connector's Directory (tenant) ID. Sign in to Microsoft as an admin of the right tenant, then verify again.",
  upstream_unavailable: `Consent was granted but Microsoft could not be reached to verify it. Wait a minute; ${lowerFirst(VERIFY_AGAIN)}`,
  verification_failed: `Consent was granted but the connection could not be verified. ${VERIFY_AGAIN}`,
  internal_error: `The hub failed to finish the verification (its log has the details). ${VERIFY_AGAIN}`,
  invalid_secret:
    "The client secret is wrong: copy the secret's Value (not its Secret ID) from Certificates & secrets, enter it on the Azure Auth tab and verify again.",
  expired_secret:
    'The client secret has expired: create a new client secret in the app registration, enter its Value on the Azure Auth tab and verify again.',
  missing_secret: 'Enter the client secret Value on the Azure Auth tab and verify again.',
  unknown_tenant:
    'Microsoft does not know this tenant: check the Directory (tenant) ID on the app registration Overview page.',
  app_not_consented: `The application is still not consented in this tenant. Check the Application (client) ID, then ${lowerFirst(VERIFY_AGAIN)}`,
  missing_permissions:
    'Consent was granted, but the app registration lacks a permission: add the Microsoft Graph application permissions User.Read.All and Group.Read.All, grant admin consent, then verify again.',
  token_rejected: `Microsoft rejected the token (consent was revoked meanwhile?). ${VERIFY_AGAIN}`,
};

export function describeConsentOutcome(outcome: ConsentOutcome): ConsentOutcomeText {
  switch (outcome.result) {
    case 'verified':
      return {
        title: 'Connection Verified',
        message:
          'Admin consent was granted and the connection works. Continue with Users & Groups.',
      };
    case 'denied':
      return { title: 'Consent declined', message: reasonText(outcome.reason) };
    case 'error':
      return { title: 'Connection not verified', message: reasonText(outcome.reason) };
    default: {
      const unexpected: never = outcome.result;
      return { title: 'Connection not verified', message: reasonText(String(unexpected)) };
    }
  }
}

function reasonText(reason: string | null): string {
  return (
    (reason ? REASONS[reason] : undefined) ??
    `The connection could not be verified (${reason ?? 'no reason given'}). ${VERIFY_AGAIN}`
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A small page for when no portal is there to show the outcome (built-in portal off). */
export function consentOutcomePage(outcome: ConsentOutcome): string {
  const text = describeConsentOutcome(outcome);
  const ok = outcome.result === 'verified';
  const details = [
    outcome.connectorId ? `connector ${outcome.connectorId}` : null,
    outcome.reason ? `reason ${outcome.reason}` : null,
  ].filter((part): part is string => part !== null);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(text.title)}: Entra connector hub</title>
<style>body{font:16px system-ui,sans-serif;margin:0;padding:2rem 1rem;background:#f6f7f9;color:#1d2330}
main{max-width:40rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem;border-top:6px solid ${ok ? '#2f855a' : '#c53030'}}
h1{margin-top:0;font-size:1.4rem}small{color:#556}</style></head>
<body><main><h1>${escapeHtml(text.title)}</h1><p>${escapeHtml(text.message)}</p>
<p><small>${escapeHtml(details.join(', '))}</small></p><p>You can close this tab.</p></main></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
