/**
 * `connectors` for a partner portal: across companies, filtered (status, expiring secrets), and
 * a Relay connection paged by cursor so large MSPs can read every connector (the bare id of the
 * last connector still works as `after` for one release).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import {
  createCompany,
  failure,
  installConnector,
  ok,
  setCredentials,
} from '../helpers/connector-api.js';

const DAY = 86_400_000;

describe('connectors query', () => {
  let h: TestHub;
  let partner: string;
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startTestHub();
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-query' });
    // Secret expiries: 5 days, 40 days, default (24 months), none entered, 20 days.
    const expiries = [5, 40, null, undefined, 20];
    for (const [i, days] of expiries.entries()) {
      const companyId = await createCompany(h, partner, `Company ${i}`);
      const { connector } = await installConnector(h, partner, companyId);
      ids.push(connector.id);
      if (days === undefined) continue;
      await ok(
        setCredentials(
          h,
          partner,
          connector.id,
          { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: `secret~${i}abcdef` },
          days === null
            ? {}
            : { clientSecretExpiresAt: new Date(Date.now() + days * DAY).toISOString() },
        ),
      );
    }
    // Another partner's expiring secret must not show up.
    const other = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-query-other' });
    const otherCompany = await createCompany(h, other, 'Other');
    const { connector } = await installConnector(h, other, otherCompany);
    await ok(
      setCredentials(
        h,
        other,
        connector.id,
        { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: 'secret~other' },
        { clientSecretExpiresAt: new Date(Date.now() + 3 * DAY).toISOString() },
      ),
    );
  });
  afterAll(() => h?.stop());

  interface Row {
    id: string;
    status: string;
    secretExpiresInDays: number | null;
  }
  interface Page {
    edges: { cursor: string; node: Row }[];
    nodes: Row[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  }
  const page = async (args: string) =>
    (
      await ok<{ connectors: Page }>(
        h.gql(
          partner,
          `{ connectors${args} {
            edges { cursor node { id status secretExpiresInDays } }
            nodes { id status secretExpiresInDays }
            pageInfo { hasNextPage endCursor } totalCount } }`,
        ),
      )
    ).connectors;
  const list = async (args: string) => (await page(args)).nodes;

  it('finds expiring secrets across the partner companies', async () => {
    const expiring = await list('(secretExpiresWithinDays: 30)');
    expect(expiring.map((c) => c.id)).toEqual([ids[0], ids[4]]);
    const days = expiring.map((c) => c.secretExpiresInDays!);
    expect(days[0]).toBeGreaterThanOrEqual(4);
    expect(days[0]).toBeLessThanOrEqual(5);
    expect(days[1]).toBeGreaterThanOrEqual(19);
    expect(days[1]).toBeLessThanOrEqual(20);
    expect((await list('(secretExpiresWithinDays: 60)')).map((c) => c.id)).toEqual([
      ids[0],
      ids[1],
      ids[4],
    ]);
    const bad = await failure(
      h.gql(partner, '{ connectors(secretExpiresWithinDays: -1) { nodes { id } } }'),
    );
    expect(bad).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'secretExpiresWithinDays' },
    });
  });

  it('is a Relay connection: pages by cursor until hasNextPage is false', async () => {
    const all = await page('');
    expect(all.nodes.map((c) => c.id)).toEqual(ids);
    expect(all.edges.map((e) => e.node.id)).toEqual(ids);
    expect(all).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: false } });
    expect(all.pageInfo.endCursor).toBe(all.edges[4]!.cursor);
    const seen: string[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const args: string = after ? `(first: 2, after: "${after}")` : '(first: 2)';
      const batch = await page(args);
      pages += 1;
      seen.push(...batch.nodes.map((c) => c.id));
      totals.push(batch.totalCount);
      after = batch.pageInfo.hasNextPage ? batch.pageInfo.endCursor : null;
    } while (after && pages < 10);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    expect(totals).toEqual([5, 5, 5]);
    // Any edge's cursor continues right after that connector.
    const fromSecond = await page(`(after: "${all.edges[1]!.cursor}")`);
    expect(fromSecond.nodes.map((c) => c.id)).toEqual(ids.slice(2));
    // As variables: a literal `first` multiplies the query's cost (GraphQL Armor).
    const paged =
      'query($f: Int, $a: String) { connectors(first: $f, after: $a) { nodes { id } } }';
    for (const [variables, field] of [
      [{ f: 0 }, 'first'],
      [{ f: 1001 }, 'first'],
      [{ a: 'nope' }, 'after'],
    ] as const) {
      const error = await failure(h.gql(partner, paged, variables));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field } });
    }
  });

  it('still takes the id of the last connector as `after` (deprecated, one release)', async () => {
    const legacy = await list(`(first: 2, after: "${ids[1]}")`);
    expect(legacy.map((c) => c.id)).toEqual([ids[2], ids[3]]);
  });

  it('names "not saved" NOT_SAVED, as a status and as a filter', async () => {
    // None of these connectors was saved: the same name in the list and in the filter.
    expect((await list('')).map((c) => c.status)).toEqual(Array(5).fill('NOT_SAVED'));
    expect((await list('(status: NOT_SAVED)')).map((c) => c.id)).toEqual(ids);
    expect(await list('(status: CONNECTED)')).toEqual([]);
  });
});
