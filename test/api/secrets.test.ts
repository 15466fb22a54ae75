/**
 * The client secret is sealed at rest with a key id (rotation: older keys still decrypt), shown
 * only as a hint, and never appears in any GraphQL response or log line: not on success, not in
 * Entra failures, not in input-validation or variable-coercion errors.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import {
  CONNECTOR_FIELDS,
  failure,
  ok,
  record,
  setCredentials,
  STATUS_SUBSCRIPTION,
  verifyConnection,
  type StatusEvent,
  installForCompanyAdmin,
} from '../helpers/connector-api.js';

/** A fragment long enough to be meaningful and unlikely anywhere by chance. */
const fragmentsOf = (secret: string) => [secret, secret.slice(0, 12), secret.slice(-12)];

function expectAbsent(texts: string[], secrets: string[]) {
  const all = texts.join('\n');
  for (const secret of secrets) {
    for (const fragment of fragmentsOf(secret)) expect(all).not.toContain(fragment);
  }
}

describe('client secret handling', () => {
  let h: TestHub;
  let tenant: SeededTenant;
  let partner: string;

  beforeAll(async () => {
    h = await startTestHub({ emulator: true });
    tenant = await seedTestTenant(h.emulator!);
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-secrets' });
  });
  afterAll(() => h?.stop());

  async function newConnector() {
    const { id, companyId, admin } = await installForCompanyAdmin(h, partner);
    return { id, companyId, admin };
  }

  it('never returns or logs the secret, whatever the path', async () => {
    const c = await newConnector();
    const watcher = await record<StatusEvent>(
      h,
      h.ws(c.admin),
      STATUS_SUBSCRIPTION,
      { companyId: c.companyId },
      'connectorStatusChanged',
    );
    const wrong = `Wr0ng~${randomBytes(18).toString('base64url')}`;
    const spaced = `Sp4ced ${randomBytes(18).toString('base64url')}`;
    const misplaced = `M1spl~${randomBytes(18).toString('base64url')}`;

    // Success path: hint only.
    const set = await ok(setCredentials(h, c.admin, c.id, tenant));
    expect(set.setConnectorCredentials.clientSecretHint).toBe(
      `****${tenant.clientSecret.slice(-4)}`,
    );
    expect((await verifyConnection(h, c.admin, c.id)).verified).toBe(true);
    await ok(h.gql(c.admin, `query($id:ID!){ connector(id:$id) { ${CONNECTOR_FIELDS} } }`, c));
    await ok(h.gql(partner, `{ connectors { nodes { ${CONNECTOR_FIELDS} } } }`));
    await ok(
      h.gql(c.admin, `query($id:ID!){ entraGroups(connectorId:$id) { edges { node { id } } } }`, c),
    );

    // Entra refuses a wrong secret (MSAL sends it; its errors and logs must not carry it).
    await ok(setCredentials(h, c.admin, c.id, { ...tenant, clientSecret: wrong }));
    const refused = await verifyConnection(h, c.admin, c.id);
    expect(refused.error?.reason).toBe('INVALID_SECRET');
    await failure(
      h.gql(c.admin, `query($id:ID!){ entraGroups(connectorId:$id) { edges { node { id } } } }`, c),
    );

    // Bad input carrying secrets: messages name the field, never the value.
    const bad = await failure(
      setCredentials(h, c.admin, c.id, { ...tenant, clientSecret: spaced }),
    );
    expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'clientSecret' } });
    const inTenant = await failure(
      setCredentials(h, c.admin, c.id, { ...tenant, tenantId: misplaced }),
    );
    expect(inTenant).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'tenantId' } });
    // Variable coercion errors: graphql-js would quote the whole input object.
    const extraField = await failure(
      h.gql(
        c.admin,
        'mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { id } }',
        {
          i: { connectorId: c.id, ...tenant, clientSecret: misplaced, stray: misplaced },
        },
      ),
    );
    expect(extraField.message).toMatch(
      /^Variable "\$i" got an invalid value: Field "\w+" is not defined/,
    );
    const wrongType = await failure(
      h.gql(
        c.admin,
        'mutation($id:ID!, $r: SyncRulesInput!){ updateSyncRules(connectorId:$id, rules:$r) { id } }',
        {
          id: c.id,
          r: { deleteAfterDays: misplaced, userAdded: misplaced },
        },
      ),
    );
    expect(wrongType.code).toBe('BAD_USER_INPUT');
    expect(wrongType.message).toMatch(/^Variable "\$r" got an invalid value at "r\.\w+"/);
    const badDate = await failure(
      setCredentials(h, c.admin, c.id, tenant, { clientSecretExpiresAt: misplaced }),
    );
    expect(badDate.code).toBe('BAD_USER_INPUT');
    const literal = await failure(
      h.gql(
        c.admin,
        `query { entraGroups(connectorId: "${c.id}", first: "${misplaced}") { pageInfo { hasNextPage } } }`,
      ),
    );
    expect(literal.code).toBe('GRAPHQL_VALIDATION_FAILED');

    watcher.stop();
    const secrets = [tenant.clientSecret, wrong, spaced, misplaced];
    expectAbsent(h.responses, secrets);
    expectAbsent(
      watcher.events.map((e) => JSON.stringify(e)),
      secrets,
    );
    expectAbsent(h.logLines, secrets);
    expect(h.logLines.length).toBeGreaterThan(0);
  });

  it('stores the secret sealed (AES-256-GCM) with the key id, bound to its connector', async () => {
    const c = await newConnector();
    await ok(setCredentials(h, c.admin, c.id, tenant));
    const stored = await h.infra.models.Connector.findById(c.id).lean();
    expect(stored?.clientSecret).toEqual({
      kid: 'k1',
      iv: expect.stringMatching(/^[A-Za-z0-9+/=]{16}$/),
      tag: expect.stringMatching(/^[A-Za-z0-9+/=]{24}$/),
      ciphertext: expect.any(String),
    });
    expect(stored?.clientSecretHint).toBe(tenant.clientSecret.slice(-4));
    expectAbsent([JSON.stringify(stored)], [tenant.clientSecret]);

    // Copied onto another connector, the sealed value does not open (bound to its connector).
    const other = await newConnector();
    await ok(
      setCredentials(h, other.admin, other.id, { ...tenant, clientSecret: 'placeholder~1' }),
    );
    await h.infra.models.Connector.updateOne(
      { _id: other.id },
      { $set: { clientSecret: stored!.clientSecret } },
    );
    const moved = await failure(
      h.gql(
        other.admin,
        'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }',
        other,
      ),
    );
    expect(moved).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
  });

  it('rotates keys: a new key seals, the old one still opens, a removed one is reported', async () => {
    const c = await newConnector();
    await ok(setCredentials(h, c.admin, c.id, tenant));
    const k1 = h.config.encryption.keys[0]!;
    const k2 = randomBytes(32).toString('base64');

    // The same database, restarted with k2 first and k1 kept for decryption.
    const rotated = await startTestHub({
      emulator: h.emulator!,
      database: h.connection,
      env: { ENCRYPTION_KEYS: `k2:${k2},k1:${k1.key.toString('base64')}` },
    });
    try {
      const admin = await rotated.jwt({ role: 'COMPANY_ADMIN', companyId: c.companyId });
      const kid = async () =>
        (await rotated.infra.models.Connector.findById(c.id).lean())?.clientSecret?.kid;
      expect((await verifyConnection(rotated, admin, c.id)).verified).toBe(true);
      expect(await kid()).toBe('k1');
      await ok(
        rotated.gql(
          admin,
          'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } activateConnector(connectorId:$id) { id } }',
          { id: c.id, g: tenant.syncGroupId },
        ),
      );
      // The sync engine loading the connector re-seals the secret with the active key.
      const config = await rotated.infra.registry.loadSyncConfig(c.id);
      expect(config?.clientSecret).toBe(tenant.clientSecret);
      expect(await kid()).toBe('k2');
      const again = await rotated.infra.registry.loadSyncConfig(c.id);
      expect(again?.clientSecret).toBe(tenant.clientSecret);
      expect((await verifyConnection(rotated, admin, c.id)).verified).toBe(true);
      expectAbsent(rotated.logLines, [tenant.clientSecret]);
    } finally {
      await rotated.stop();
    }

    // The original hub only knows k1: the k2-sealed secret is reported, not guessed at.
    const unknownKey = await failure(
      h.gql(c.admin, 'mutation($id:ID!){ verifyConnection(connectorId:$id) { verified } }', c),
    );
    expect(unknownKey).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'A stored secret cannot be decrypted',
      extensions: { kid: 'k2' },
    });
    expect(h.logLines.join('\n')).toContain('A stored secret cannot be decrypted');
  });
});
