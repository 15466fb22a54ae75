/**
 * Bad input on the GraphQL API, table-driven: invalid and foreign ids, hostile query shapes, huge
 * variables, forged and expired JWTs, and the connector token used beyond its rights. Each case
 * gets a clear error with the right `extensions.code` (and HTTP status where the transport
 * decides), no data, the process keeps serving, and the database is exactly what it was.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testJwt } from '../helpers/jwt.js';
import { startSecurityHub, type SecurityHub, type Tenant } from './support.js';

interface Ctx {
  a: Tenant;
  b: Tenant;
  s: SecurityHub;
}

interface GraphqlCase {
  name: string;
  /** The Authorization header (a bare JWT is sent as Bearer); null: none. */
  auth: (c: Ctx) => Promise<string | null> | string | null;
  query: string;
  variables?: (c: Ctx) => Record<string, unknown>;
  /** Raw body instead of { query, variables }. */
  rawBody?: string;
  code: string;
  status?: number;
  message?: RegExp;
}

const bearer = (token: string) => `Bearer ${token}`;
const connectorAuth = (t: Tenant) => `Connector ${t.connectorToken}`;
const CONNECTOR = 'query($id:ID!){ connector(id:$id) { id name clientSecretHint } }';
const ofTypes = (n: number) => 'ofType { '.repeat(n) + 'name' + ' }'.repeat(n);

function signed(
  claims: Record<string, unknown>,
  options: { secret?: string; exp?: number; issuer?: string } = {},
): Promise<string> {
  const { exp, ...rest } = options;
  return testJwt(claims, {
    ...rest,
    subject: 'attacker',
    expiresIn: exp ?? Math.floor(Date.now() / 1000) + 600,
  });
}

/** Partner A's own token with its payload rewritten to partner B's: the signature no longer fits. */
function tampered(token: string, partnerId: string): string {
  const [head, body, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, partnerId })).toString('base64url');
  return `${head}.${forged}.${sig}`;
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    ...claims,
    sub: 'attacker',
    iss: 'entra-connector-hub',
    aud: 'entra-connector-hub',
    iat: now,
    exp: now + 600,
  })}.`;
}

const CASES: GraphqlCase[] = [
  // ids that cannot exist or are not the caller's: NOT_FOUND, never a hint that they exist
  {
    name: 'invalid id',
    auth: ({ a }) => a.partner,
    query: CONNECTOR,
    variables: () => ({ id: 'not-an-id' }),
    code: 'NOT_FOUND',
  },
  {
    name: 'well-formed id that does not exist',
    auth: ({ a }) => a.partner,
    query: CONNECTOR,
    variables: () => ({ id: 'ffffffffffffffffffffffff' }),
    code: 'NOT_FOUND',
  },
  {
    name: 'operator object as an id (NoSQL injection)',
    auth: ({ a }) => a.partner,
    query: CONNECTOR,
    variables: () => ({ id: { $ne: null } }),
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'path-like id in a mutation',
    auth: ({ a }) => a.partner,
    query: 'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
    variables: () => ({ id: '../../connectors' }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A reads partner B's connector",
    auth: ({ a }) => a.partner,
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A sets credentials on B's connector",
    auth: ({ a }) => a.partner,
    query:
      'mutation($id:ID!){ setConnectorCredentials(input:{connectorId:$id, tenantId:"11111111-2222-3333-4444-555555555555", clientId:"11111111-2222-3333-4444-666666666666", clientSecret:"stolen-secret-value-0123456789"}) { id } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A uninstalls B's connector",
    auth: ({ a }) => a.partner,
    query: 'mutation($id:ID!){ uninstallConnector(connectorId:$id) { id } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A rotates B's connector token",
    auth: ({ a }) => a.partner,
    query: 'mutation($id:ID!){ rotateConnectorToken(connectorId:$id) { authenticationToken } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A changes B's sync rules",
    auth: ({ a }) => a.partner,
    query:
      'mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{userRemovedFromGroup:DELETE}) { id } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A installs a connector in B's company",
    auth: ({ a }) => a.partner,
    query:
      'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"x"}) { authenticationToken } }',
    variables: ({ b }) => ({ c: b.companyId }),
    code: 'NOT_FOUND',
  },
  {
    name: "partner A creates a company under B's partner id",
    auth: ({ a }) => a.partner,
    query: 'mutation($p:ID!){ createCompany(input:{name:"x", partnerId:$p}) { id } }',
    variables: ({ b }) => ({ p: b.partnerId }),
    code: 'NOT_FOUND',
  },
  {
    name: "company admin A starts a sync of B's connector",
    auth: ({ a }) => a.companyAdmin,
    query: 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  // query shapes
  {
    name: 'query deeper than the limit',
    auth: ({ a }) => a.partner,
    query: `{ __schema { types { fields { type { ${ofTypes(20)} } } } } }`,
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
  },
  {
    name: 'query wider than the limit (aliases)',
    auth: ({ a }) => a.partner,
    query: `{ ${Array.from({ length: 1_000 }, (_, i) => `c${i}: companies { id }`).join(' ')} }`,
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
  },
  {
    name: 'fragment cycle',
    auth: ({ a }) => a.partner,
    query:
      '{ companies { ...A } } fragment A on Company { id ...B } fragment B on Company { name ...A }',
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: 400,
  },
  {
    name: 'syntax error',
    auth: ({ a }) => a.partner,
    query: '{ companies { id ',
    code: 'GRAPHQL_PARSE_FAILED',
    status: 400,
  },
  {
    name: 'unknown field',
    auth: ({ a }) => a.partner,
    query: '{ companies { id clientSecret } }',
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: 400,
  },
  {
    name: 'huge variables (over the body limit)',
    auth: ({ a }) => a.partner,
    query: 'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    variables: () => ({ n: 'x'.repeat(2_000_000) }),
    code: 'PAYLOAD_TOO_LARGE',
    status: 413,
  },
  {
    name: 'oversized string input under the body limit',
    auth: ({ a }) => a.partner,
    query: 'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
    variables: () => ({ n: 'x'.repeat(90_000) }),
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'body that is not JSON',
    auth: ({ a }) => a.partner,
    query: '',
    rawBody: '{"query": "{ companies { id } }"',
    code: 'BAD_REQUEST',
    status: 400,
  },
  // credentials
  {
    name: 'no credentials',
    auth: () => null,
    query: '{ companies { id } }',
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'tampered JWT (partner id rewritten)',
    auth: ({ a, b }) => bearer(tampered(a.partner, b.partnerId)),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'expired JWT',
    auth: ({ a }) =>
      signed(
        { role: 'PARTNER_ADMIN', partnerId: a.partnerId },
        { exp: Math.floor(Date.now() / 1000) - 120 },
      ),
    query: CONNECTOR,
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'UNAUTHENTICATED',
    message: /expired/,
  },
  {
    name: 'JWT with alg none',
    auth: ({ b }) => bearer(unsigned({ role: 'PARTNER_ADMIN', partnerId: b.partnerId })),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'JWT signed with another key',
    auth: ({ b }) =>
      signed(
        { role: 'PARTNER_ADMIN', partnerId: b.partnerId },
        { secret: 'not-the-hub-secret-not-the-hub-secret-0123' },
      ),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'JWT from another issuer',
    auth: ({ b }) =>
      signed({ role: 'PARTNER_ADMIN', partnerId: b.partnerId }, { issuer: 'evil-portal' }),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'JWT claiming the CONNECTOR role',
    auth: ({ b }) => signed({ role: 'CONNECTOR', connectorId: b.connectorId }),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'unknown scheme',
    auth: ({ a }) => `Basic ${Buffer.from(`admin:${a.connectorToken}`).toString('base64')}`,
    query: '{ companies { id } }',
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'oversized Authorization header',
    auth: () => `Bearer ${'a'.repeat(9_000)}`,
    query: '{ companies { id } }',
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'connector token sent as a JWT',
    auth: ({ a }) => bearer(a.connectorToken),
    query: CONNECTOR,
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'unknown connector token',
    auth: ({ a }) => `Connector ${a.connectorToken.slice(0, -4)}AAAA`,
    query: CONNECTOR,
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'UNAUTHENTICATED',
  },
  // the connector token may read itself and ask for a sync; nothing else
  {
    name: 'connector token: createCompany',
    auth: ({ a }) => connectorAuth(a),
    query: 'mutation{ createCompany(input:{name:"x"}) { id } }',
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: installConnector in its own company',
    auth: ({ a }) => connectorAuth(a),
    query:
      'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"x"}) { authenticationToken } }',
    variables: ({ a }) => ({ c: a.companyId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: rotates its own token',
    auth: ({ a }) => connectorAuth(a),
    query: 'mutation($id:ID!){ rotateConnectorToken(connectorId:$id) { authenticationToken } }',
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: sets its own credentials',
    auth: ({ a }) => connectorAuth(a),
    query:
      'mutation($id:ID!){ setConnectorCredentials(input:{connectorId:$id, tenantId:"11111111-2222-3333-4444-555555555555", clientId:"11111111-2222-3333-4444-666666666666", clientSecret:"attacker-secret-0123456789"}) { id } }',
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: changes its own sync rules',
    auth: ({ a }) => connectorAuth(a),
    query:
      'mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{userRemovedFromGroup:DELETE}) { id } }',
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: disables itself',
    auth: ({ a }) => connectorAuth(a),
    query: 'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: uninstalls itself',
    auth: ({ a }) => connectorAuth(a),
    query: 'mutation($id:ID!){ uninstallConnector(connectorId:$id) { id } }',
    variables: ({ a }) => ({ id: a.connectorId }),
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: reads the companies',
    auth: ({ a }) => connectorAuth(a),
    query: '{ companies { id name } }',
    code: 'FORBIDDEN',
  },
  {
    name: 'connector token: reads another connector',
    auth: ({ a }) => connectorAuth(a),
    query: CONNECTOR,
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
  {
    name: 'connector token: starts a sync of another connector',
    auth: ({ a }) => connectorAuth(a),
    query: 'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
    variables: ({ b }) => ({ id: b.connectorId }),
    code: 'NOT_FOUND',
  },
];

describe('GraphQL refuses bad input and changes nothing', () => {
  let s: SecurityHub;
  let ctx: Ctx;
  beforeAll(async () => {
    s = await startSecurityHub();
    ctx = { a: s.a, b: s.b, s };
  });
  afterAll(() => s.stop());

  async function post(auth: string | null, body: string) {
    const response = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: auth.includes(' ') ? auth : bearer(auth) } : {}),
      },
      body,
    });
    const raw = await response.text();
    return {
      status: response.status,
      raw,
      json: JSON.parse(raw) as {
        data?: unknown;
        errors?: { message: string; extensions?: { code?: string } }[];
      },
    };
  }

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await s.snapshot();
    const syncs = s.h.syncRequests.length;
    const auth = await c.auth(ctx);
    const body = c.rawBody ?? JSON.stringify({ query: c.query, variables: c.variables?.(ctx) });
    const { status, json, raw } = await post(auth, body);

    expect(json.errors?.[0]?.extensions?.code).toBe(c.code);
    if (c.status !== undefined) expect(status).toBe(c.status);
    if (c.message) expect(json.errors?.[0]?.message).toMatch(c.message);
    // No data at all, and nothing of B's (ids, names) in the answer.
    expect(json.data ?? null).toBeNull();
    expect(raw).not.toContain(s.b.connectorId);
    expect(raw).not.toContain('Company b');
    expect(s.h.syncRequests.length).toBe(syncs);
    await s.assertServing();
    expect(await s.snapshot()).toEqual(before);
  });

  it("partner A's connector list never includes B's", async () => {
    const result = await s.h.gql<{ connectors: { nodes: { id: string }[] } }>(
      s.a.partner,
      'query($c:ID){ connectors(companyId:$c) { nodes { id } } }',
      { c: s.b.companyId },
    );
    expect(result.data?.connectors.nodes ?? []).toEqual([]);
    const all = await s.h.gql<{ connectors: { nodes: { id: string }[] } }>(
      s.a.partner,
      '{ connectors { nodes { id } } }',
    );
    expect(all.data?.connectors.nodes.map((c) => c.id)).toEqual([s.a.connectorId]);
  });

  it('positive control: the same requests with the right credentials read and write', async () => {
    const read = await s.h.gql<{ connector: { id: string } }>(connectorAuth(s.a), CONNECTOR, {
      id: s.a.connectorId,
    });
    expect(read.data?.connector.id).toBe(s.a.connectorId);
    const before = await s.snapshot();
    const write = await s.h.gql(
      s.a.partner,
      'mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{userRemovedFromGroup:DELETE}) { id } }',
      { id: s.a.connectorId },
    );
    expect(write.errors).toBeUndefined();
    expect(await s.snapshot()).not.toEqual(before);
  });
});
