/**
 * The group picker against the Entra emulator over HTTPS: search terms with URL-significant
 * characters reach Graph encoded (and find their group), and `after` cursors are signed: an
 * edited, foreign or hand-made cursor is BAD_USER_INPUT and no Graph request follows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedTestTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { createCompany, installConnector, ok, setCredentials } from '../helpers/connector-api.js';

let h: TestHub;
let partner: string;
let connectorId: string;

const NAMES = [
  'R&D Lab',
  'C# Guild',
  '50% Club',
  'a+b Team',
  'Say "Hi" Group',
  'x&$expand=members Group',
];
const PICK = `query($k:ID!, $s:String, $f:Int, $a:String){
  entraGroups(connectorId:$k, search:$s, first:$f, after:$a) {
    edges { node { displayName } } pageInfo { hasNextPage endCursor } } }`;

interface Page {
  entraGroups: {
    edges: { node: { displayName: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

beforeAll(async () => {
  h = await startTestHub({ emulator: true });
  const tenant = await seedTestTenant(h.emulator!, { users: 4, groups: 30, syncGroupMembers: 2 });
  for (const displayName of NAMES) {
    h.emulator!.control.createGroup(tenant.tenantId, { displayName, securityEnabled: true });
  }
  partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-picker' });
  const companyId = await createCompany(h, partner, 'Picker');
  connectorId = (await installConnector(h, partner, companyId)).connector.id;
  await ok(setCredentials(h, partner, connectorId, tenant));
});
afterAll(() => h.stop());

describe('search terms are encoded', () => {
  it.each([
    ['R&D', 'R&D Lab'],
    ['C#', 'C# Guild'],
    ['50%', '50% Club'],
    ['a+b', 'a+b Team'],
    ['Say', 'Say "Hi" Group'],
    ['x&$expand=members', 'x&$expand=members Group'],
  ])('"%s" finds %s', async (search, expected) => {
    const page = await ok<Page>(h.gql(partner, PICK, { k: connectorId, s: search }));
    expect(page.entraGroups.edges.map((e) => e.node.displayName)).toContain(expected);
  });

  it('a term with quotes is answered: $search cannot escape them, so they are dropped', async () => {
    const result = await h.gql(partner, PICK, { k: connectorId, s: 'Say "Hi\\' });
    expect(result.errors).toBeUndefined();
  });
});

describe('cursors are signed', () => {
  it('a cursor from a previous page continues the listing', async () => {
    const first = await ok<Page>(h.gql(partner, PICK, { k: connectorId, f: 5 }));
    expect(first.entraGroups.pageInfo.hasNextPage).toBe(true);
    const next = await ok<Page>(
      h.gql(partner, PICK, { k: connectorId, f: 5, a: first.entraGroups.pageInfo.endCursor }),
    );
    expect(next.entraGroups.edges.length).toBeGreaterThan(0);
  });

  it.each([
    [
      'a base64url Graph path (the old cursor format)',
      () => Buffer.from(`${h.emulator!.graphBaseUrl}/v1.0/users?$top=2`).toString('base64url'),
    ],
    [
      'a signed cursor with its link edited',
      (cursor: string) => {
        const [body, mac] = cursor.split('.');
        const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as {
          l: string;
          t: string;
        };
        const edited = Buffer.from(
          JSON.stringify({ ...payload, l: payload.l.replace('/groups', '/users') }),
        ).toString('base64url');
        return `${edited}.${mac}`;
      },
    ],
    [
      'a signed cursor of another tenant',
      (cursor: string) => {
        const [body, mac] = cursor.split('.');
        const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as {
          l: string;
          t: string;
        };
        const moved = Buffer.from(
          JSON.stringify({ ...payload, t: '00000000-0000-0000-0000-000000000000' }),
        ).toString('base64url');
        return `${moved}.${mac}`;
      },
    ],
    ['garbage', () => 'not-a-cursor'],
  ])('%s is BAD_USER_INPUT', async (_name, forge) => {
    const first = await ok<Page>(h.gql(partner, PICK, { k: connectorId, f: 5 }));
    const forged = forge(first.entraGroups.pageInfo.endCursor!);
    const result = await h.gql(partner, PICK, { k: connectorId, f: 5, a: forged });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
