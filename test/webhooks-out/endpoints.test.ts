/**
 * Managing endpoints over GraphQL: the secret is shown once and stored sealed, every refused
 * input names its rule and changes nothing (the SSRF cases among them), and the scope holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCompany } from '../helpers/connector-api.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { snapshotDatabase } from '../helpers/snapshot.js';

/** Everything but the rate limiter's own counters (every request writes one). */
const snapshotCollections = (hub: TestHub) =>
  snapshotDatabase(hub.connection, { ignore: ['rate_limits'] });

let h: TestHub;
let partner: string;
let companyId: string;

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint { id url eventTypes enabled description secretCreatedAt previousSecretExpiresAt }
    secret
  }
}`;
const LIST = `query($c: ID!, $after: String) {
  webhookEndpoints(companyId: $c, first: 2, after: $after) {
    edges { cursor node { id url } } nodes { id } pageInfo { hasNextPage endCursor } totalCount
  }
}`;

async function create(input: Record<string, unknown>, auth = partner) {
  return h.gql<{ createWebhookEndpoint: { endpoint: { id: string }; secret: string } }>(
    auth,
    CREATE,
    {
      input: { companyId, ...input },
    },
  );
}

beforeAll(async () => {
  h = await startTestHub();
  partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-hooks' });
  companyId = await createCompany(h, partner, 'Hooks');
});
afterAll(() => h.stop());

describe('webhook endpoints over GraphQL', () => {
  it('shows the secret once, seals it at rest, never logs or returns it again', async () => {
    const created = await create({
      url: 'https://93.184.216.34/hooks',
      eventTypes: ['directory.user.created', 'connector.status_changed'],
      description: 'Password manager',
    });
    expect(created.errors).toBeUndefined();
    const { endpoint, secret } = created.data!.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_/);
    const listed = await h.gql(partner, LIST, { c: companyId });
    const rotated = await h.gql<{ rotateWebhookEndpointSecret: { secret: string } }>(
      partner,
      'mutation($e: ID!) { rotateWebhookEndpointSecret(endpointId: $e, graceHours: 2) { secret endpoint { previousSecretExpiresAt } } }',
      { e: endpoint.id },
    );
    const next = rotated.data!.rotateWebhookEndpointSecret.secret;
    expect(next).not.toBe(secret);
    const stored = JSON.stringify(await h.infra.models.WebhookEndpoint.find().lean());
    for (const value of [secret, next, secret.slice(6), next.slice(6)]) {
      expect(stored).not.toContain(value);
      expect(h.logLines.join('')).not.toContain(value);
      expect(listed.raw).not.toContain(value);
    }
    const after = await h.infra.models.WebhookEndpoint.findById(endpoint.id).lean();
    expect(after!.secrets).toHaveLength(2);
    expect(after!.secrets[1]!.expiresAt).not.toBeNull();
  });

  it.each([
    ['http://93.184.216.34/x', 'HTTPS_REQUIRED', { NODE_ENV: 'production' }],
    ['https://127.0.0.1/x', 'PRIVATE_ADDRESS', {}],
    ['https://localhost:8080/x', 'PRIVATE_ADDRESS', {}],
    ['https://[::1]/x', 'PRIVATE_ADDRESS', {}],
    ['https://169.254.169.254/latest/meta-data', 'PRIVATE_ADDRESS', {}],
    ['https://10.0.0.8/x', 'PRIVATE_ADDRESS', {}],
    ['https://[::ffff:127.0.0.1]/x', 'PRIVATE_ADDRESS', {}],
    ['https://2130706433/x', 'PRIVATE_ADDRESS', {}],
    ['https://0.0.0.0/x', 'RESERVED_ADDRESS', {}],
    ['https://user:secret@93.184.216.34/x', 'CREDENTIALS_IN_URL', {}],
    ['gopher://93.184.216.34/x', 'INVALID_URL', {}],
    ['https://nothing.invalid/x', 'UNRESOLVABLE', {}],
  ])('refuses %s (%s) and changes nothing', async (url, rule, env) => {
    const hub = Object.keys(env).length > 0 ? await startTestHub({ env }) : h;
    try {
      const auth =
        hub === h ? partner : await hub.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-prod' });
      const company = hub === h ? companyId : await createCompany(hub, auth, 'Prod');
      const before = await snapshotCollections(hub);
      const result = await hub.gql(auth, CREATE, { input: { companyId: company, url } });
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'url',
        rule,
      });
      expect(result.errors?.[0]?.message).toContain(rule);
      expect(await snapshotCollections(hub)).toEqual(before);
    } finally {
      if (hub !== h) await hub.stop();
    }
  });

  it('refuses unknown event types, long descriptions and bad updates, changing nothing', async () => {
    const { endpoint } = (await create({ url: 'https://93.184.216.34/a' })).data!
      .createWebhookEndpoint;
    const before = await snapshotCollections(h);
    const bad = await create({ url: 'https://93.184.216.34/b', eventTypes: ['user.created'] });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ rule: 'UNKNOWN_EVENT_TYPE' });
    const long = await create({ url: 'https://93.184.216.34/b', description: 'x'.repeat(501) });
    expect(long.errors?.[0]?.extensions).toMatchObject({ rule: 'TOO_LONG' });
    const update = await h.gql(
      partner,
      'mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { id } }',
      { i: { endpointId: endpoint.id, url: 'https://192.168.0.1/x', description: 'new' } },
    );
    expect(update.errors?.[0]?.extensions).toMatchObject({ rule: 'PRIVATE_ADDRESS' });
    const grace = await h.gql(
      partner,
      'mutation($e: ID!) { rotateWebhookEndpointSecret(endpointId: $e, graceHours: -1) { secret } }',
      { e: endpoint.id },
    );
    expect(grace.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await snapshotCollections(h)).toEqual(before);
  });

  it('pages through every endpoint, and keeps other partners and companies out', async () => {
    // A third endpoint: pages of two then need a second page.
    expect((await create({ url: 'https://93.184.216.34/c' })).errors).toBeUndefined();
    const seen: string[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    do {
      const page: {
        webhookEndpoints: {
          edges: { node: { id: string } }[];
          nodes: { id: string }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          totalCount: number;
        };
      } = (await h.gql(partner, LIST, { c: companyId, after })).data as never;
      seen.push(...page.webhookEndpoints.edges.map((e) => e.node.id));
      // A Relay connection like every list: `nodes` mirrors `edges`, `totalCount` spans pages.
      expect(page.webhookEndpoints.nodes.map((n) => n.id)).toEqual(
        page.webhookEndpoints.edges.map((e) => e.node.id),
      );
      totals.push(page.webhookEndpoints.totalCount);
      after = page.webhookEndpoints.pageInfo.hasNextPage
        ? page.webhookEndpoints.pageInfo.endCursor
        : null;
    } while (after);
    const all = await h.infra.models.WebhookEndpoint.find({ companyId }).lean();
    expect(seen.sort()).toEqual(all.map((e) => e._id.toHexString()).sort());
    expect(all.length).toBeGreaterThan(2);
    expect(new Set(totals)).toEqual(new Set([all.length]));

    const stranger = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-other' });
    const otherCompany = await h.jwt({
      role: 'COMPANY_ADMIN',
      companyId: 'ffffffffffffffffffffffff',
    });
    for (const auth of [stranger, otherCompany]) {
      const list = await h.gql(auth, LIST, { c: companyId });
      expect(list.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
      const del = await h.gql(
        auth,
        'mutation($e: ID!) { deleteWebhookEndpoint(endpointId: $e) { id } }',
        {
          e: seen[0],
        },
      );
      expect(del.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    }
    const own = await h.jwt({ role: 'COMPANY_ADMIN', companyId });
    expect((await h.gql(own, LIST, { c: companyId })).errors).toBeUndefined();
    const deleted = await h.gql(
      own,
      'mutation($e: ID!) { deleteWebhookEndpoint(endpointId: $e) { id } }',
      {
        e: seen[0],
      },
    );
    expect(deleted.errors).toBeUndefined();
    expect(await h.infra.models.WebhookEndpoint.findById(seen[0]).lean()).toBeNull();
  });
});
