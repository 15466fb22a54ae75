/**
 * Who may use what, walked from the schema itself: every Query, Mutation and Subscription field,
 * and every field of the types that reveal directory contents, must have a row here, and the
 * rule in the code (`@Authorized`, src/graphql/access.ts) must match it. Each root field is then
 * called with a connector token, a company admin and a partner admin: a role the row leaves out
 * gets FORBIDDEN, a role it allows never does (it may still get NOT_FOUND or CONFLICT).
 * A new field without a row fails here; a new operation without a rule fails at schema build.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { InMemoryLiveEvents } from '../../src/events/live-events.js';
import { buildHubSchema } from '../../src/graphql/schema.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { createCompany, installConnector } from '../helpers/connector-api.js';

type Role = 'PARTNER_ADMIN' | 'COMPANY_ADMIN' | 'CONNECTOR';
const PORTAL: Role[] = ['PARTNER_ADMIN', 'COMPANY_ADMIN'];
const ANY: Role[] = [...PORTAL, 'CONNECTOR'];

interface Row {
  roles: Role[];
  /** The operation that exercises the field ($c: the company, $k: the connector). */
  op?: string;
}

const ROOT: Record<string, Row> = {
  'Query.companies': { roles: PORTAL, op: '{ companies { id } }' },
  'Query.connector': { roles: ANY, op: 'query($k:ID!){ connector(id:$k) { id status } }' },
  'Query.connectors': { roles: PORTAL, op: '{ connectors { nodes { id } } }' },
  'Query.directoryUsers': {
    roles: PORTAL,
    op: 'query($c:ID!){ directoryUsers(companyId:$c) { totalCount } }',
  },
  'Query.directoryGroups': {
    roles: PORTAL,
    op: 'query($c:ID!){ directoryGroups(companyId:$c) { id } }',
  },
  'Query.entraGroups': {
    roles: PORTAL,
    op: 'query($k:ID!){ entraGroups(connectorId:$k) { edges { node { id } } } }',
  },
  'Query.previewSync': {
    roles: PORTAL,
    op: 'query($k:ID!){ previewSync(connectorId:$k) { notes } }',
  },
  'Query.syncRun': { roles: ANY, op: '{ syncRun(id:"ffffffffffffffffffffffff") { id } }' },
  'Query.syncRuns': { roles: ANY, op: 'query($k:ID!){ syncRuns(connectorId:$k) { totalCount } }' },
  'Mutation.createCompany': {
    roles: ['PARTNER_ADMIN'],
    op: 'mutation { createCompany(input:{name:"X"}) { id } }',
  },
  'Mutation.installConnector': {
    roles: PORTAL,
    op: 'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"x"}) { authenticationToken } }',
  },
  'Mutation.rotateConnectorToken': {
    roles: PORTAL,
    op: 'mutation { rotateConnectorToken(connectorId:"ffffffffffffffffffffffff") { authenticationToken } }',
  },
  'Mutation.setConnectorCredentials': {
    roles: PORTAL,
    op: 'mutation { setConnectorCredentials(input:{connectorId:"ffffffffffffffffffffffff", tenantId:"x", clientId:"y", clientSecret:"z"}) { id } }',
  },
  'Mutation.verifyConnection': {
    roles: PORTAL,
    op: 'mutation($k:ID!){ verifyConnection(connectorId:$k) { verified } }',
  },
  'Mutation.selectSyncGroup': {
    roles: PORTAL,
    op: 'mutation($k:ID!){ selectSyncGroup(connectorId:$k, groupId:"nope") { id } }',
  },
  'Mutation.setSyncedGroups': {
    roles: PORTAL,
    op: 'mutation($k:ID!){ setSyncedGroups(connectorId:$k, groupIds:["nope"]) { id } }',
  },
  'Mutation.updateSyncRules': {
    roles: PORTAL,
    op: 'mutation { updateSyncRules(connectorId:"ffffffffffffffffffffffff", rules:{}) { id } }',
  },
  'Mutation.activateConnector': {
    roles: PORTAL,
    op: 'mutation($k:ID!){ activateConnector(connectorId:$k) { id } }',
  },
  'Mutation.synchronizeNow': {
    roles: ANY,
    op: 'mutation($k:ID!){ synchronizeNow(connectorId:$k) { runId } }',
  },
  'Mutation.setConnectorEnabled': {
    roles: PORTAL,
    op: 'mutation { setConnectorEnabled(connectorId:"ffffffffffffffffffffffff", enabled:true) { id } }',
  },
  'Mutation.uninstallConnector': {
    roles: PORTAL,
    op: 'mutation { uninstallConnector(connectorId:"ffffffffffffffffffffffff") { id } }',
  },
  'Mutation.approveSyncRun': {
    roles: PORTAL,
    op: 'mutation { approveSyncRun(runId:"ffffffffffffffffffffffff") { id } }',
  },
  'Mutation.rejectSyncRun': {
    roles: PORTAL,
    op: 'mutation { rejectSyncRun(runId:"ffffffffffffffffffffffff") { id } }',
  },
  'Query.directoryChanges': {
    roles: PORTAL,
    op: 'query($c:ID!){ directoryChanges(companyId:$c) { edges { cursor } } }',
  },
  'Query.webhookEndpoints': {
    roles: PORTAL,
    op: 'query($c:ID!){ webhookEndpoints(companyId:$c) { edges { cursor } } }',
  },
  'Query.webhookDeliveries': {
    roles: PORTAL,
    op: '{ webhookDeliveries(endpointId:"ffffffffffffffffffffffff") { edges { cursor } } }',
  },
  'Mutation.createWebhookEndpoint': {
    roles: PORTAL,
    op: 'mutation($c:ID!){ createWebhookEndpoint(input:{companyId:$c, url:"https://127.0.0.1/x"}) { secret } }',
  },
  'Mutation.updateWebhookEndpoint': {
    roles: PORTAL,
    op: 'mutation { updateWebhookEndpoint(input:{endpointId:"ffffffffffffffffffffffff"}) { id } }',
  },
  'Mutation.rotateWebhookEndpointSecret': {
    roles: PORTAL,
    op: 'mutation { rotateWebhookEndpointSecret(endpointId:"ffffffffffffffffffffffff") { secret } }',
  },
  'Mutation.setWebhookEndpointEnabled': {
    roles: PORTAL,
    op: 'mutation { setWebhookEndpointEnabled(endpointId:"ffffffffffffffffffffffff", enabled:false) { id } }',
  },
  'Mutation.deleteWebhookEndpoint': {
    roles: PORTAL,
    op: 'mutation { deleteWebhookEndpoint(endpointId:"ffffffffffffffffffffffff") { id } }',
  },
  'Mutation.sendTestWebhook': {
    roles: PORTAL,
    op: 'mutation { sendTestWebhook(endpointId:"ffffffffffffffffffffffff") { ok } }',
  },
  'Mutation.replayWebhookDeliveries': {
    roles: PORTAL,
    op: 'mutation { replayWebhookDeliveries(endpointId:"ffffffffffffffffffffffff") { id } }',
  },
  'Subscription.directoryChanged': {
    roles: PORTAL,
    op: 'subscription($c:ID!){ directoryChanged(companyId:$c) { cursor } }',
  },
  'Subscription.connectorStatusChanged': {
    roles: ANY,
    op: 'subscription($k:ID){ connectorStatusChanged(connectorId:$k) { status } }',
  },
  'Subscription.syncRunUpdated': {
    roles: ANY,
    op: 'subscription($k:ID!){ syncRunUpdated(connectorId:$k) { id } }',
  },
};

/** Fields whose values are directory contents (names, emails, before/after): portal only. */
const DIRECTORY_FIELDS: Record<string, Role[]> = {
  'SyncRun.changes': PORTAL,
  'Connector.syncGroup': PORTAL,
  'Connector.syncedGroups': PORTAL,
};
/** Types only portal-only fields lead to: their fields need no rule of their own. */
const DIRECTORY_TYPES = [
  'SyncChange',
  'SyncChangeEdge',
  'SyncChangeConnection',
  'SyncPreview',
  'DirectoryUser',
  'DirectoryUserEdge',
  'DirectoryUserConnection',
  'DirectoryGroup',
  'EntraGroup',
  'EntraGroupEdge',
  'EntraGroupConnection',
  'GroupRef',
  'DirectoryChange',
  'DirectoryChangeEdge',
  'DirectoryChangeConnection',
  'DirectoryMembersChange',
];

let schema: GraphQLSchema;
let h: TestHub;
const auth: Record<Role, string> = { PARTNER_ADMIN: '', COMPANY_ADMIN: '', CONNECTOR: '' };
let vars: { c: string; k: string };

beforeAll(async () => {
  schema = await buildHubSchema(new InMemoryLiveEvents());
  h = await startTestHub();
  const partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p-access' });
  const c = await createCompany(h, partner, 'Access');
  const installed = await installConnector(h, partner, c);
  vars = { c, k: installed.connector.id };
  auth.PARTNER_ADMIN = partner;
  auth.COMPANY_ADMIN = await h.jwt({ role: 'COMPANY_ADMIN', companyId: c });
  auth.CONNECTOR = `Connector ${installed.authenticationToken}`;
});
afterAll(() => h.stop());

/** The roles the code grants a field: type-graphql's metadata behind `@Authorized`. */
function codeRoles(typeName: string, field: string): string[] | undefined {
  const storage = getMetadataStorage();
  const handlers = [...storage.queries, ...storage.mutations, ...storage.subscriptions];
  const root = handlers.find(
    (x) =>
      x.schemaName === field &&
      typeName ===
        ({ Query: 'Query', Mutation: 'Mutation', Subscription: 'Subscription' } as const)[typeName],
  );
  if (root && ['Query', 'Mutation', 'Subscription'].includes(typeName))
    return root.roles as string[] | undefined;
  const authorized = storage.authorizedFields.find(
    (a) =>
      a.fieldName === field &&
      storage.objectTypes.some((o) => o.name === typeName && o.target === a.target),
  );
  const resolver = storage.fieldResolvers.find(
    (r) => r.schemaName === field && r.getObjectType?.()?.name === typeName,
  );
  return (authorized?.roles ?? resolver?.roles) as string[] | undefined;
}

describe('the access table covers the schema', () => {
  it('every root field has a row, and the row is the rule in the code', () => {
    for (const typeName of ['Query', 'Mutation', 'Subscription']) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(typeName);
      for (const field of Object.keys(type.getFields())) {
        const key = `${typeName}.${field}`;
        expect([key, ROOT[key]?.roles.slice().sort()]).toEqual([
          key,
          codeRoles(typeName, field)?.slice().sort(),
        ]);
      }
    }
    expect(Object.keys(ROOT).length).toBeGreaterThan(20);
  });

  it('directory contents are reachable by portal roles only', () => {
    for (const [key, roles] of Object.entries(DIRECTORY_FIELDS)) {
      const [typeName, field] = key.split('.') as [string, string];
      expect([key, codeRoles(typeName, field)?.slice().sort()]).toEqual([
        key,
        roles.slice().sort(),
      ]);
    }
    // A field returning a directory type is either portal-only itself or sits on a type that is.
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || DIRECTORY_TYPES.includes(type.name))
        continue;
      for (const field of Object.values(type.getFields())) {
        const returned = field.type.toString().replace(/[[\]!]/g, '');
        if (!DIRECTORY_TYPES.includes(returned)) continue;
        const key = `${type.name}.${field.name}`;
        const rule = ROOT[key]?.roles ?? DIRECTORY_FIELDS[key];
        expect([key, rule?.includes('CONNECTOR')]).toEqual([key, false]);
      }
    }
  });
});

describe('each role is held to its row', () => {
  const cases = Object.entries(ROOT).flatMap(([key, row]) =>
    (['CONNECTOR', 'COMPANY_ADMIN', 'PARTNER_ADMIN'] as Role[]).map(
      (role) => [key, role, row] as const,
    ),
  );
  it.each(cases)('%s as %s', async (key, role, row) => {
    const allowed = row.roles.includes(role);
    let codes: unknown[];
    if (key.startsWith('Subscription.')) {
      const errors: unknown[] = [];
      let settled = false;
      const dispose = h.ws(auth[role]).subscribe(
        { query: row.op!, variables: vars },
        {
          // A refusal in the subscribe step (the service's scope check) comes as a result.
          next: (value) => void (value.errors ? errors.push(value.errors) : undefined),
          error: (e) => void errors.push(e),
          complete: () => (settled = true),
        },
      );
      // An allowed subscription stays open; a refused one errors at once.
      await waitFor(
        () => errors.length > 0 || settled || allowed,
        5_000,
        'the subscription answer',
      );
      if (allowed) await new Promise((resolve) => setTimeout(resolve, 200));
      dispose();
      codes = (errors as { extensions?: { code?: unknown } }[][])
        .flat()
        .map((e) => e.extensions?.code);
    } else {
      const result = await h.gql(auth[role], row.op!, vars);
      codes = (result.errors ?? []).map((e) => e.extensions?.['code']);
    }
    expect([key, role, codes.includes('FORBIDDEN')]).toEqual([key, role, !allowed]);
  });

  it('a connector token reading its own connector gets its status, not its groups', async () => {
    const status = await h.gql(
      auth.CONNECTOR,
      'query($k:ID!){ connector(id:$k) { id status enabled } }',
      vars,
    );
    expect(status.errors).toBeUndefined();
    const groups = await h.gql(
      auth.CONNECTOR,
      'query($k:ID!){ connector(id:$k) { syncGroup { name } } }',
      vars,
    );
    expect(groups.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });
});
