import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/hub.js';

describe('hub server: health, auth, errors, limits', () => {
  let h: TestHub;
  beforeAll(async () => {
    // The depth cases below measure introspection queries (off by default outside development).
    h = await startTestHub({ env: { GRAPHQL_INTROSPECTION: 'true' } });
  });
  afterAll(() => h.stop());

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${h.server.url}/nope`)).status).toBe(404);
  });

  it('requires authentication and rejects tampered, expired and foreign JWTs', async () => {
    const query = '{ companies { id } }';
    const none = await h.gql(null, query);
    expect(none.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    const good = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-auth' });
    const [head, body, sig] = good.split('.');
    const forgedBody = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body!, 'base64url').toString()),
        partnerId: 'p-other',
      }),
    ).toString('base64url');
    for (const token of [
      `${head}.${forgedBody}.${sig}`,
      await h.jwt(
        { role: 'PARTNER_ADMIN', partnerId: 'p-auth' },
        { expiresIn: Math.floor(Date.now() / 1000) - 60 },
      ),
      await h.jwt(
        { role: 'PARTNER_ADMIN', partnerId: 'p-auth' },
        { secret: 'another-secret-another-secret-another-secret' },
      ),
      await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-auth' }, { issuer: 'someone-else' }),
      await h.jwt({ role: 'CONNECTOR', connectorId: 'x' }),
      await h.jwt({ role: 'COMPANY_ADMIN' }),
    ]) {
      const result = await h.gql(token, query);
      expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      expect(result.data ?? null).toBeNull();
    }
    const ok = await h.gql(good, query);
    expect(ok.errors).toBeUndefined();
    expect(ok.data).toEqual({ companies: [] });
  });

  it('rejects over-deep queries, over-wide queries and oversized bodies', async () => {
    const token = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-limits' });
    const ofTypes = (n: number) => 'ofType { '.repeat(n) + 'name' + ' }'.repeat(n);
    // __schema > types > fields > type > ofType x n > name: depth n + 5 against a limit of 12.
    const allowed = await h.gql(
      token,
      `{ __schema { types { fields { type { ${ofTypes(7)} } } } } }`,
    );
    expect(allowed.errors).toBeUndefined();
    const nested = `{ __schema { types { fields { type { ${ofTypes(8)} } } } } }`;
    const tooDeep = await h.gql(token, nested);
    expect(tooDeep.errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');
    const wide = `{ ${Array.from({ length: 600 }, (_, i) => `a${i}: companies { id }`).join(' ')} }`;
    const tooWide = await h.gql(token, wide);
    expect(tooWide.errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');

    const big = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `{ companies { id } }`,
        variables: { pad: 'x'.repeat(200_000) },
      }),
    });
    expect(big.status).toBe(413);
  });

  it('reports bad input with BAD_USER_INPUT naming the field', async () => {
    const token = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-input' });
    const result = await h.gql(
      token,
      'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
      {
        n: 'x'.repeat(500),
      },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });
});
