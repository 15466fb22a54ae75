/**
 * The GraphQL operations of `npm run hub -- webhooks`, checked against schema/schema.graphql by
 * test/webhooks-out/cli.test.ts. Lists are Relay connections read page by page (pages.ts).
 */

const PAGE = 'pageInfo { hasNextPage endCursor } totalCount';

const ENDPOINT_FIELDS = `id companyId url description eventTypes enabled disabledReason cursor
  lastSuccessAt failingSince nextRetryAt`;

const ATTEMPT_FIELDS = `webhookId type eventCursor attempt at status ok latencyMs error nextRetryAt`;

export const COMPANIES = `query WebhookCompanies { companies { id name } }`;

export const WEBHOOK_ENDPOINTS = `query WebhookEndpoints($companyId: ID!, $first: Int!, $after: String) {
  webhookEndpoints(companyId: $companyId, first: $first, after: $after) {
    nodes { ${ENDPOINT_FIELDS} } ${PAGE}
  }
}`;

export const WEBHOOK_DELIVERIES = `query WebhookDeliveries($endpointId: ID!, $first: Int!, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
    nodes { ${ATTEMPT_FIELDS} } ${PAGE}
  }
}`;

export const SEND_TEST_WEBHOOK = `mutation SendTestWebhook($endpointId: ID!) {
  sendTestWebhook(endpointId: $endpointId) { ${ATTEMPT_FIELDS} response }
}`;

export const REPLAY_WEBHOOK_DELIVERIES = `mutation ReplayWebhookDeliveries($endpointId: ID!, $fromCursor: String) {
  replayWebhookDeliveries(endpointId: $endpointId, fromCursor: $fromCursor) { ${ENDPOINT_FIELDS} }
}`;

export const WEBHOOK_OPERATIONS = [
  COMPANIES,
  WEBHOOK_ENDPOINTS,
  WEBHOOK_DELIVERIES,
  SEND_TEST_WEBHOOK,
  REPLAY_WEBHOOK_DELIVERIES,
];

export interface EndpointRow {
  id: string;
  companyId: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  cursor: string | null;
  lastSuccessAt: string | null;
  failingSince: string | null;
  nextRetryAt: string | null;
}

export interface AttemptRow {
  webhookId: string;
  type: string;
  eventCursor: string | null;
  attempt: number;
  at: string;
  status: number | null;
  ok: boolean;
  latencyMs: number;
  error: string | null;
  nextRetryAt: string | null;
}
