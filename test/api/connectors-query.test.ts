/**
 * `connectors` for a partner portal: across companies, filtered (status, expiring secrets), and
 * paged by id so large MSPs can read every connector.
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

  const list = async (args: string) =>
    (
      await ok<{ connectors: { id: string; secretExpiresInDays: number | null }[] }>(
        h.gql(partner, `{ connectors${args} { id secretExpiresInDays } }`),
      )
    ).connectors;

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
    const bad = await failure(h.gql(partner, '{ connectors(secretExpiresWithinDays: -1) { id } }'));
    expect(bad).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'secretExpiresWithinDays' },
    });
  });

  it('pages by id with first/after', async () => {
    expect((await list('')).map((c) => c.id)).toEqual(ids);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const args: string = after ? `(first: 2, after: "${after}")` : '(first: 2)';
      const batch = await list(args);
      seen.push(...batch.map((c) => c.id));
      if (batch.length < 2) break;
      after = batch[batch.length - 1]!.id;
    }
    expect(seen).toEqual(ids);
    for (const args of ['(first: 0)', '(first: 1001)', '(after: "nope")']) {
      const error = await failure(h.gql(partner, `{ connectors${args} { id } }`));
      expect(error.code).toBe('BAD_USER_INPUT');
    }
  });
});
