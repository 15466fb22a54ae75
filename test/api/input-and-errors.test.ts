/**
 * Every error carries extensions.code; bad input names the field and why; Graph outages are
 * UPSTREAM_UNAVAILABLE; production mode serves no introspection (HTTP and WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import {
  createCompany,
  failure,
  ok,
  record,
  setCredentials,
  verifyConnection,
  installForCompanyAdmin,
} from '../helpers/connector-api.js';

describe('input validation and error codes', () => {
  let h: TestHub;
  let tenant: SeededTenant;
  let admin: string;
  let partner: string;
  let companyId: string;
  let id: string;

  beforeAll(async () => {
    h = await startTestHub({ emulator: true });
    tenant = await seedTestTenant(h.emulator!);
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-input' });
    ({ companyId, admin, id } = await installForCompanyAdmin(h, partner, 'Input Co'));
  });
  afterAll(() => h?.stop());

  it('rejects invalid GUIDs, empty secrets and oversized input, naming the field', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ tenantId: 'contoso.onmicrosoft.com' }, 'tenantId', 'must be a GUID'],
      [{ clientId: '1234' }, 'clientId', 'must be a GUID'],
      [{ clientSecret: '' }, 'clientSecret', 'must not be empty'],
      [{ clientSecret: '   ' }, 'clientSecret', 'must not be empty'],
      [{ clientSecret: 'x'.repeat(1_025) }, 'clientSecret', 'must be at most 1024 characters'],
    ];
    for (const [override, field, reason] of cases) {
      const error = await failure(setCredentials(h, admin, id, { ...tenant, ...override }));
      expect({ field, ...error }).toMatchObject({
        field,
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining(`${field}: ${reason}`),
        extensions: { field, code: 'BAD_USER_INPUT' },
      });
    }
    // Nothing was stored by the refused calls.
    expect((await h.infra.models.Connector.findById(id).lean())?.tenantId).toBeNull();

    const install = await failure(
      h.gql(
        partner,
        'mutation($c:ID!,$n:String!){ installConnector(input:{companyId:$c, name:$n}) { authenticationToken } }',
        { c: await createCompany(h, partner, 'Other'), n: 'n'.repeat(101) },
      ),
    );
    expect(install).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'name: must be at most 100 characters',
      extensions: { field: 'name' },
    });

    await ok(setCredentials(h, admin, id, tenant));
    const group = await failure(
      h.gql(
        admin,
        'mutation($id:ID!){ selectSyncGroup(connectorId:$id, groupId:"Password Boss Users") { id } }',
        { id },
      ),
    );
    expect(group).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'groupId' } });
    const tooMany = await failure(
      h.gql(
        admin,
        'mutation($id:ID!,$g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { id } }',
        {
          id,
          g: Array.from({ length: 251 }, () => randomUUID()),
        },
      ),
    );
    expect(tooMany).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'groupIds: must list at most 250 groups',
    });
    const notGuid = await failure(
      h.gql(admin, 'mutation($id:ID!){ setSyncedGroups(connectorId:$id, groupIds:["x"]) { id } }', {
        id,
      }),
    );
    expect(notGuid).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'groupIds' } });
    const mailOnly = h.emulator!.control.createGroup(tenant.tenantId, {
      displayName: 'All Staff (mail)',
      securityEnabled: false,
      mailEnabled: true,
    });
    const notSecurity = await failure(
      h.gql(
        admin,
        'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }',
        {
          id,
          g: mailOnly.id,
        },
      ),
    );
    expect(notSecurity).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: `groupId: group ${mailOnly.id} is not a security group`,
    });

    const groups =
      'query($id:ID!,$s:String,$f:Int){ entraGroups(connectorId:$id, search:$s, first:$f) { pageInfo { hasNextPage } } }';
    for (const [variables, field] of [
      [{ f: 0 }, 'first'],
      [{ f: 101 }, 'first'],
      [{ s: 's'.repeat(257) }, 'search'],
    ] as const) {
      const error = await failure(h.gql(admin, groups, { id, ...variables }));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field } });
    }
    const badCursor = await failure(
      h.gql(
        admin,
        'query($id:ID!){ entraGroups(connectorId:$id, after:"aHR0cHM6Ly9ldmlsLmV4YW1wbGUvdjEuMC9ncm91cHM") { pageInfo { hasNextPage } } }',
        { id },
      ),
    );
    expect(badCursor).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'after: not a cursor from a previous page',
    });

    const rules = await failure(
      h.gql(
        admin,
        'mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{massChangeThresholdPercent: 500}) { id } }',
        { id },
      ),
    );
    expect(rules).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'massChangeThresholdPercent' },
    });
  });

  it('uses CONFLICT, FORBIDDEN, UNAUTHENTICATED and the upstream codes', async () => {
    const twice = await failure(
      h.gql(
        admin,
        'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"again"}) { authenticationToken } }',
        {
          c: companyId,
        },
      ),
    );
    expect(twice).toMatchObject({
      code: 'CONFLICT',
      message: 'An Azure AD connector is already installed for this company',
    });
    const early = await failure(
      h.gql(admin, 'mutation($id:ID!){ activateConnector(connectorId:$id) { id } }', { id }),
    );
    expect(early).toMatchObject({
      code: 'CONFLICT',
      message: 'Verify the connection before saving the connector',
    });
    expect(
      (await failure(h.gql(admin, 'mutation{ createCompany(input:{name:"x"}) { id } }'))).code,
    ).toBe('FORBIDDEN');
    expect((await failure(h.gql(null, '{ connectors { nodes { id } } }'))).code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await failure(h.gql('Bearer not.a.jwt', '{ connectors { nodes { id } } }'))).code).toBe(
      'UNAUTHENTICATED',
    );

    // Graph failing (500, not retried by the SDK): UPSTREAM_UNAVAILABLE, Verify says so.
    await ok(setCredentials(h, admin, id, tenant));
    h.emulator!.control.setFaults(tenant.tenantId, { serverErrorShare: 1, serverErrorStatus: 500 });
    try {
      const groups = await failure(
        h.gql(
          admin,
          'query($id:ID!){ entraGroups(connectorId:$id) { pageInfo { hasNextPage } } }',
          { id },
        ),
      );
      expect(groups).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(groups.message).toMatch(/Microsoft Graph is unavailable \(list groups\)\. Try again/);
      const verify = await verifyConnection(h, admin, id);
      expect(verify).toMatchObject({
        verified: false,
        consentUrl: null,
        error: { code: 'UPSTREAM_UNAVAILABLE' },
      });
    } finally {
      h.emulator!.control.clearFaults(tenant.tenantId);
    }
    expect((await verifyConnection(h, admin, id)).verified).toBe(true);

    // Unexpected errors are masked and logged; GraphQL's own errors keep a code.
    // The same depth/width limits apply to subscriptions over graphql-ws.
    const wide = `subscription { connectorStatusChanged { ${Array.from({ length: 600 }, (_, i) => `a${i}: status`).join(' ')} } }`;
    const tooWide = await record(h, h.ws(admin), wide, {}, 'connectorStatusChanged');
    await waitFor(() => tooWide.errors.length > 0, 5_000, 'the limit error');
    expect(JSON.stringify(tooWide.errors)).toContain('QUERY_TOO_COMPLEX');

    const parse = await failure(h.gql(admin, '{ connectors { id '));
    expect(parse.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = await failure(h.gql(admin, '{ connectors { nodes { id password } } }'));
    expect(unknown.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('production mode', () => {
  let h: TestHub;
  beforeAll(async () => {
    h = await startTestHub({ env: { NODE_ENV: 'production', LOG_LEVEL: 'info' } });
  });
  afterAll(() => h?.stop());

  it('serves no introspection over HTTP or WebSocket, but operations work', async () => {
    expect(h.config.graphql.introspection).toBe(false);
    const jwt = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-prod' });
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Connector") { fields { name } } }',
    ]) {
      const error = await failure(h.gql(jwt, query));
      expect(error.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(error.message).toMatch(/introspection/i);
    }
    await ok(h.gql(jwt, '{ __typename companies { id } }'));

    const ws = h.ws(jwt);
    const introspection = await record(
      h,
      ws,
      'subscription { __schema { types { name } } }',
      {},
      '__schema',
    );
    await waitFor(() => introspection.errors.length > 0, 5_000, 'the introspection error');
    expect(JSON.stringify(introspection.errors)).toMatch(/introspection/i);
  });
});
