/**
 * A hub whose connector syncs a seeded emulator tenant (test/sync/sync-harness.ts), with outbound
 * webhooks allowed to loopback receivers and retried quickly, and the GraphQL calls the tests
 * make as a partner admin.
 */
import { startSyncHarness, type SyncHarness } from '../sync/sync-harness.js';
import type { SeedOptions } from '../helpers/emulator.js';

export const FAST_WEBHOOKS: Record<string, string> = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_RETRY_MAX_MS: '300',
  WEBHOOK_TIMEOUT_MS: '2000',
};

export interface WebhookHub {
  h: SyncHarness;
  jwt: string;
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Creates an endpoint through GraphQL; the secret is the one shown once. */
  createEndpoint(url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }>;
  stop(): Promise<void>;
}

export async function startWebhookHub(
  options: { seed?: SeedOptions; env?: Record<string, string>; start?: boolean } = {},
): Promise<WebhookHub> {
  const h = await startSyncHarness({
    seed: options.seed ?? { users: 30, groups: 2, syncGroupMembers: 20 },
    env: { ...FAST_WEBHOOKS, ...options.env },
  });
  const jwt = await h.t.jwt({ role: 'PARTNER_ADMIN', partnerId: h.partnerId });
  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const result = await h.t.gql<T>(jwt, query, variables);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  };
  if (options.start !== false) h.t.api.outbound.start();
  return {
    h,
    jwt,
    gql,
    async createEndpoint(url, eventTypes) {
      const { createWebhookEndpoint } = await gql<{
        createWebhookEndpoint: { endpoint: { id: string }; secret: string };
      }>(
        `mutation($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) { endpoint { id } secret }
        }`,
        { input: { companyId: h.companyId, url, ...(eventTypes ? { eventTypes } : {}) } },
      );
      return { id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
    },
    stop: () => h.stop(),
  };
}

/** Per order key (user or group), the feed positions of what arrived, first arrivals only. */
export function arrivalsByKey(
  received: readonly { webhookId: string; data: Record<string, unknown>; type: string }[],
): Map<string, number[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, number[]>();
  for (const event of received) {
    if (seen.has(event.webhookId) || !event.type.startsWith('directory.')) continue;
    seen.add(event.webhookId);
    const key = `${event.type.split('.')[1]}:${String(event.data['entraId'])}`;
    const list = byKey.get(key) ?? [];
    list.push(Number(event.webhookId.split('_').pop()));
    byKey.set(key, list);
  }
  return byKey;
}
