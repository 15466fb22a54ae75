/**
 * `npm run hub -- webhooks` (the built dist/src/cli/main.js) against a real hub delivering to
 * real receivers: the list pages through every endpoint of every company (pages of one here) or
 * says how many it left out, `test` sends a signed event the receiver verifies with the library,
 * `replay` delivers again from a cursor with the same webhook ids, `deliveries` pages through
 * the attempt log; its operations validate against schema/schema.graphql.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate } from 'graphql';
import { WEBHOOK_OPERATIONS } from '../../src/cli/webhook-operations.js';
import { createCompany } from '../helpers/connector-api.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { ROOT, runCli } from '../ops/dev-stack.helpers.js';
import { writeUserChanges } from './feed-writes.js';
import { startReceiver, type TestReceiver } from './receiver.js';
import { FAST_WEBHOOKS } from './support.js';

let h: TestHub;
let connection: string[];
let companyId: string;
const endpoints: { id: string; r: TestReceiver }[] = [];
let otherEndpoint: string;

async function endpoint(auth: string, company: string): Promise<{ id: string; r: TestReceiver }> {
  const r = await startReceiver();
  const created = await h.gql<{
    createWebhookEndpoint: { endpoint: { id: string }; secret: string };
  }>(
    auth,
    'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret } }',
    { i: { companyId: company, url: r.url } },
  );
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  r.secrets.push(created.data!.createWebhookEndpoint.secret);
  return { id: created.data!.createWebhookEndpoint.endpoint.id, r };
}

const delivered = (r: TestReceiver) =>
  new Set(r.received.filter((e) => e.status === 204).map((e) => e.webhookId));

beforeAll(async () => {
  h = await startTestHub({ env: FAST_WEBHOOKS });
  const partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-cli' });
  connection = ['--url', `http://127.0.0.1:${h.config.http.port}/graphql`, '--token', partner];
  companyId = await createCompany(h, partner, 'CLI');
  for (let i = 0; i < 3; i += 1) endpoints.push(await endpoint(partner, companyId));
  const other = await createCompany(h, partner, 'CLI other');
  const second = await endpoint(partner, other);
  endpoints.push(second);
  otherEndpoint = second.id;
  h.api.outbound.start();
  await writeUserChanges(h.infra.feed, companyId, 30, 4);
  await waitFor(
    () => endpoints.slice(0, 3).every(({ r }) => delivered(r).size >= 30),
    30_000,
    'the 30 changes at every endpoint of the company',
  );
}, 120_000);

afterAll(async () => {
  await h?.stop();
  for (const { r } of endpoints) await r.stop();
});

describe('npm run hub -- webhooks', () => {
  it('sends operations the schema accepts', () => {
    const schema = buildSchema(readFileSync(path.join(ROOT, 'schema', 'schema.graphql'), 'utf8'));
    for (const operation of WEBHOOK_OPERATIONS) {
      expect(validate(schema, parse(operation)).map((e) => e.message)).toEqual([]);
    }
  });

  it('lists every endpoint across pages and companies; --limit says what it left out', async () => {
    const mine = await runCli([
      'webhooks',
      '--company',
      companyId,
      '--page-size',
      '1',
      ...connection,
    ]);
    expect(mine).toMatchObject({ code: 0, stderr: '' });
    for (const { id } of endpoints.slice(0, 3)) expect(mine.stdout).toContain(id);
    expect(mine.stdout).not.toContain(otherEndpoint);
    expect(mine.stdout).toContain('3 endpoint(s)');
    expect(mine.stdout).toContain(endpoints[0]!.r.url);

    const every = await runCli(['webhooks', 'list', '--page-size', '1', ...connection]);
    expect(every).toMatchObject({ code: 0, stderr: '' });
    for (const { id } of endpoints) expect(every.stdout).toContain(id);
    expect(every.stdout).toContain('4 endpoint(s)');

    const two = await runCli(['webhooks', '--limit', '2', '--page-size', '1', ...connection]);
    expect(two.stdout).toContain('2 of 4 endpoint(s) shown');
    expect(endpoints.filter(({ id }) => two.stdout.includes(id))).toHaveLength(2);
  });

  it('test: a signed webhook.test the receiver verifies; exit 1 when it is refused', async () => {
    const { id, r } = endpoints[0]!;
    const mark = r.received.length;
    const sent = await runCli(['webhooks', 'test', id, ...connection]);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const got = r.received.slice(mark);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: 'webhook.test', verifiedWith: [0] });
    expect(sent.stdout).toContain(`test event ${got[0]!.webhookId} to endpoint ${id}: delivered`);
    expect(sent.stdout).toContain('HTTP 204');

    r.answer = () => ({ status: 500, body: 'receiver is broken' });
    try {
      const failed = await runCli(['webhooks', 'test', id, ...connection]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('FAILED (HTTP 500');
      expect(failed.stdout).toContain('receiver is broken');
    } finally {
      r.answer = (event) => (event.verifiedWith.length > 0 ? 204 : 401);
    }
  });

  it('replay: every event after the cursor again, with the webhook ids it had', async () => {
    const { id, r } = endpoints[1]!;
    const first = r.received.filter((e) => e.type.startsWith('directory.'));
    const tenth = first.find((e) => Number(e.webhookId.split('_').pop()) === 10)!;
    const from = String(tenth.data['cursor']);
    const mark = r.received.length;
    const replayed = await runCli(['webhooks', 'replay', id, '--from', from, ...connection]);
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain(`endpoint ${id}: replaying every event after ${from}`);
    await waitFor(() => r.received.length - mark >= 20, 20_000, 'the 20 replayed events');
    const again = r.received.slice(mark).map((e) => e.webhookId);
    const originals = first.filter((e) => Number(e.webhookId.split('_').pop()) > 10);
    expect(new Set(again)).toEqual(new Set(originals.map((e) => e.webhookId)));

    const missing = await runCli(['webhooks', 'replay', id, ...connection]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--from');
    const bad = await runCli(['webhooks', 'replay', id, '--from', 'nope', ...connection]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BAD_USER_INPUT');
  });

  it('deliveries: the whole attempt log across pages, newest first', async () => {
    const { id, r } = endpoints[2]!;
    // The log is written at the end of each delivery round: wait until it holds every request.
    const partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-cli' });
    await waitFor(
      async () => {
        const page = await h.gql<{ webhookDeliveries: { totalCount: number } }>(
          partner,
          'query($e: ID!) { webhookDeliveries(endpointId: $e, first: 1) { totalCount } }',
          { e: id },
        );
        return page.data?.webhookDeliveries.totalCount === r.received.length;
      },
      10_000,
      'the attempt log to hold every request the receiver got',
    );
    const all = await runCli([
      'webhooks',
      'deliveries',
      id,
      '--all',
      '--page-size',
      '7',
      ...connection,
    ]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const attempts = r.received.length;
    expect(all.stdout).toContain(`${attempts} attempt(s)`);
    for (const webhookId of delivered(r)) expect(all.stdout).toContain(webhookId);
    const some = await runCli(['webhooks', 'deliveries', id, '--limit', '5', ...connection]);
    expect(some.stdout).toContain(`5 of ${attempts} attempt(s) shown`);

    const unknown = await runCli(['webhooks', 'frobnicate', ...connection]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('list, deliveries, test or replay');
    const noId = await runCli(['webhooks', 'test', ...connection]);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toContain('needs an endpoint id');
  });
});
