import type { CombinedError } from 'urql';

/** What the admin sees for a failure: what happened, the hub's own words, and what to do. */
export interface Problem {
  code: string;
  title: string;
  message: string | null;
  action: string;
}

/**
 * Actions per `extensions.code` (docs/api.md, "Errors"). The portal never parses message text:
 * the code (and for Entra refusals `extensions.reason`) decides what to suggest.
 */
const BY_CODE: Record<string, { title: string; action: string }> = {
  UNAUTHENTICATED: {
    title: 'You are not signed in, or the session expired',
    action: 'Sign out and sign in again with a fresh token.',
  },
  FORBIDDEN: {
    title: 'Your role may not do this',
    action: 'Ask a partner admin, or sign in as an admin of this company.',
  },
  NOT_FOUND: {
    title: 'Not found',
    action:
      'It may have been removed, or it is outside your companies: go back to the list and reload.',
  },
  BAD_USER_INPUT: {
    title: 'Check the input',
    action: 'Correct the field named above and try again.',
  },
  CONFLICT: {
    title: 'Not possible right now',
    action: 'Finish the step named above (or reload, the state changed meanwhile) and try again.',
  },
  UPSTREAM_UNAUTHORIZED: {
    title: 'Microsoft refused the connection',
    action:
      'Open the connector (Azure Auth tab), check the credentials and click Verify Connection.',
  },
  UPSTREAM_UNAVAILABLE: {
    title: 'Microsoft could not be reached',
    action: 'Microsoft is unavailable or throttling: try again in a minute.',
  },
  INTERNAL_SERVER_ERROR: {
    title: 'The hub failed unexpectedly',
    action: "Try again; if it keeps failing, the hub's log has the details (its request id).",
  },
  GRAPHQL_VALIDATION_FAILED: {
    title: 'The portal and the hub disagree on the API',
    action: 'Rebuild the portal with the hub (npm run build) and reload the page.',
  },
  GRAPHQL_PARSE_FAILED: {
    title: 'The portal sent an invalid request',
    action: 'Rebuild the portal with the hub (npm run build) and reload the page.',
  },
  BAD_REQUEST: {
    title: 'The hub refused the request',
    action:
      'Reload the page; if it keeps failing, rebuild the portal with the hub (npm run build).',
  },
  QUERY_TOO_COMPLEX: { title: 'The request is too large', action: 'Ask for fewer items at once.' },
  PAYLOAD_TOO_LARGE: { title: 'The request is too large', action: 'Send less data at once.' },
};

/**
 * Entra's refusals, by `verifyConnection.error.reason` / `extensions.reason` (upper case) and by
 * the consent callback's `reason` (lower case).
 */
const BY_REASON: Record<string, string> = {
  INVALID_SECRET:
    'The client secret value is wrong or expired: create a new secret in the app registration and enter its Value (not its Secret ID).',
  EXPIRED_SECRET:
    'The client secret has expired: create a new client secret in the app registration and enter its Value.',
  MISSING_SECRET: 'Enter the client secret Value from Certificates & secrets.',
  UNKNOWN_TENANT: 'Check the Directory (tenant) ID on the app registration Overview page.',
  APP_NOT_CONSENTED:
    'Check the Application (client) ID, then grant admin consent (Verify Connection sends you to Microsoft).',
  MISSING_PERMISSIONS:
    'Add the Microsoft Graph application permissions User.Read.All and Group.Read.All, grant admin consent, then verify again.',
  TOKEN_REJECTED: 'Consent was revoked since the token was issued: click Verify Connection again.',
  UNKNOWN: 'Check the tenant ID, client ID and client secret, then verify again.',
  ACCESS_DENIED: 'Consent was declined at Microsoft: click Verify Connection again and Accept.',
  INVALID_STATE:
    'The consent link was unknown, expired (10 minutes) or already used: click Verify Connection again.',
  CREDENTIALS_CHANGED:
    'The credentials changed after consent was requested: click Verify Connection again.',
  TENANT_MISMATCH:
    "Consent was granted in another tenant: sign in to Microsoft as an admin of the connector's tenant.",
  CONNECTOR_NOT_FOUND: 'The connector was uninstalled meanwhile: install it again.',
  UPSTREAM_UNAVAILABLE: 'Microsoft could not be reached: wait a minute and verify again.',
};

export function reasonAction(reason: string | null | undefined): string | null {
  return reason ? (BY_REASON[reason.toUpperCase()] ?? null) : null;
}

export function describeError(error: CombinedError): Problem {
  if (error.networkError && error.graphQLErrors.length === 0) {
    return {
      code: 'NETWORK',
      title: 'The hub cannot be reached',
      message: null,
      action: 'Check that the hub is running (npm run dev) and reload.',
    };
  }
  const first = error.graphQLErrors[0];
  const code = typeof first?.extensions['code'] === 'string' ? first.extensions['code'] : 'UNKNOWN';
  const reason = first?.extensions['reason'];
  const known = BY_CODE[code] ?? {
    title: 'The request failed',
    action: 'Try again; if it keeps failing, check the hub.',
  };
  return {
    code,
    title: known.title,
    message: first?.message ?? null,
    action: (typeof reason === 'string' ? reasonAction(reason) : null) ?? known.action,
  };
}
