/**
 * The error catalogue (src/domain/errors.ts, rendered into docs/api.md) against a running hub:
 * each code provoked over HTTP answers with the code and the HTTP status the catalogue names.
 * UPSTREAM_UNAUTHORIZED, UPSTREAM_UNAVAILABLE and INTERNAL_SERVER_ERROR are resolver errors
 * like NOT_FOUND (the same formatter, the same 200); Entra's refusals are provoked in
 * test/api/connector-failures.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERROR_CATALOGUE, ErrorCode, ProtocolErrorCode } from '../../src/domain/errors.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { createCompany, installConnector } from '../helpers/connector-api.js';

interface Answer {
  status: number;
  code: unknown;
}

describe('error catalogue: codes and HTTP statuses as documented', () => {
  let h: TestHub;
  let limited: TestHub;
  let partner: string;
  let companyAdmin: string;
  let connectorId: string;

  const post = async (
    hub: TestHub,
    body: string,
    auth: string | null = null,
    contentType = 'application/json',
  ): Promise<Answer> => {
    const response = await fetch(`${hub.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(auth ? { authorization: auth } : {}) },
      body,
    });
    const json = (await response.json()) as { errors?: { extensions?: { code?: unknown } }[] };
    return { status: response.status, code: json.errors?.[0]?.extensions?.code };
  };
  const gql = (query: string, variables: object = {}, auth: string | null = partner) =>
    post(h, JSON.stringify({ query, variables }), auth);

  beforeAll(async () => {
    h = await startTestHub({ env: { HTTP_MAX_BODY_BYTES: '2048' } });
    limited = await startTestHub({ env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1' } });
    partner = `Bearer ${await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-errors' })}`;
    const companyId = await createCompany(h, partner.slice(7), 'Errors');
    companyAdmin = `Bearer ${await h.jwt({ role: 'COMPANY_ADMIN', companyId })}`;
    connectorId = (await installConnector(h, partner.slice(7), companyId)).connector.id;
  });
  afterAll(async () => {
    await h?.stop();
    await limited?.stop();
  });

  const provoke: Partial<Record<ErrorCode | ProtocolErrorCode, () => Promise<Answer>>> = {
    [ErrorCode.UNAUTHENTICATED]: () => gql('{ companies { id } }', {}, null),
    [ErrorCode.FORBIDDEN]: () =>
      gql('mutation { createCompany(input: { name: "X" }) { id } }', {}, companyAdmin),
    [ErrorCode.NOT_FOUND]: () =>
      gql('query($id: ID!) { connector(id: $id) { id } }', { id: '0'.repeat(24) }),
    [ErrorCode.BAD_USER_INPUT]: () =>
      gql('mutation { createCompany(input: { name: " " }) { id } }'),
    [ErrorCode.CONFLICT]: () =>
      gql('mutation($id: ID!) { activateConnector(connectorId: $id) { id } }', {
        id: connectorId,
      }),
    // More aliases than GRAPHQL_MAX_ALIASES (15).
    [ErrorCode.QUERY_TOO_COMPLEX]: () =>
      gql(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: companies { id }`).join(' ')} }`),
    [ErrorCode.RATE_LIMITED]: async () => {
      await post(limited, JSON.stringify({ query: '{ companies { id } }' }));
      return post(limited, JSON.stringify({ query: '{ companies { id } }' }));
    },
    [ProtocolErrorCode.BAD_REQUEST]: () => post(h, '{not json'),
    [ProtocolErrorCode.PAYLOAD_TOO_LARGE]: () =>
      post(h, JSON.stringify({ query: `{ companies { id } } # ${'x'.repeat(4096)}` })),
    [ProtocolErrorCode.GRAPHQL_PARSE_FAILED]: () => gql('{ companies { id '),
    [ProtocolErrorCode.GRAPHQL_VALIDATION_FAILED]: () => gql('{ companies { password } }'),
    [ProtocolErrorCode.OPERATION_RESOLUTION_FAILURE]: () =>
      post(
        h,
        JSON.stringify({ query: 'query A { companies { id } }', operationName: 'B' }),
        partner,
      ),
  };

  it.each(Object.keys(provoke))('%s: the documented HTTP status', async (code) => {
    const answer = await provoke[code as keyof typeof provoke]!();
    const entry = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE];
    expect(answer).toEqual({ status: entry.httpStatus, code });
  });

  it('a variable GraphQL rejects is BAD_USER_INPUT with 400, as the note says', async () => {
    const answer = await gql('query($id: ID!) { connector(id: $id) { id } }', { id: { no: 1 } });
    expect(answer).toEqual({ status: 400, code: ErrorCode.BAD_USER_INPUT });
    expect(ERROR_CATALOGUE[ErrorCode.BAD_USER_INPUT].httpNote).toMatch(/^400 /);
  });

  it('every code a client can provoke over HTTP is provoked above', () => {
    const elsewhere = [
      ErrorCode.UPSTREAM_UNAUTHORIZED,
      ErrorCode.UPSTREAM_UNAVAILABLE,
      ErrorCode.INTERNAL_SERVER_ERROR,
    ];
    expect([...Object.keys(provoke), ...elsewhere].sort()).toEqual(
      Object.keys(ERROR_CATALOGUE).sort(),
    );
  });
});
