/**
 * The hub under attack: a real hub (test/helpers/hub.ts: its own database, HTTP + WebSocket
 * server, GraphQL, auth) with the Graph webhook receiver mounted on the same server, as
 * src/main.ts mounts it; two partners, each with a company and an installed connector with a
 * /users subscription, so every case has someone else's data to reach for.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { graphSubscriptionModel } from '../../src/db/models/graph-subscription.model.js';
import { createLogger } from '../../src/logging/logger.js';
import { hashClientState } from '../../src/webhooks/client-state.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import type { WebhookStats } from '../../src/webhooks/webhook-stats.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { RecordingScheduler } from '../helpers/recording-scheduler.js';
import { RATE_LIMIT_COLLECTION } from '../../src/server/abuse-limits.js';
import { snapshotDatabase, type DatabaseSnapshot } from '../helpers/snapshot.js';

export interface Tenant {
  partnerId: string;
  /** Partner admin JWT. */
  partner: string;
  /** Company admin JWT of `companyId`. */
  companyAdmin: string;
  companyId: string;
  connectorId: string;
  /** The connector's own authentication token (shown once at install). */
  connectorToken: string;
  subscriptionId: string;
  clientState: string;
}

export interface SecurityHub {
  h: TestHub;
  url: string;
  stats: WebhookStats;
  scheduler: RecordingScheduler;
  a: Tenant;
  b: Tenant;
  snapshot(): Promise<DatabaseSnapshot>;
  /** The process still serves: /healthz, /readyz and an authenticated GraphQL query. */
  assertServing(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSecurityHub(env: Record<string, string> = {}): Promise<SecurityHub> {
  const h = await startTestHub({ env });
  const receiverLogger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        h.logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const scheduler = new RecordingScheduler();
  const receiver = createGraphWebhookReceiver({
    connection: h.connection,
    scheduler,
    logger: receiverLogger,
    maxBodyBytes: h.config.realtime.webhookMaxBodyBytes,
  });
  h.server.mount(receiver.router);

  const tenant = async (label: string): Promise<Tenant> => {
    const partnerId = `partner-${label}-${randomUUID().slice(0, 8)}`;
    const partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId, sub: `admin-${label}` });
    const company = await h.gql<{ createCompany: { id: string } }>(
      partner,
      'mutation($n:String!){ createCompany(input:{name:$n}) { id } }',
      { n: `Company ${label}` },
    );
    const companyId = company.data!.createCompany.id;
    const installed = await h.gql<{
      installConnector: { authenticationToken: string; connector: { id: string } };
    }>(
      partner,
      'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { authenticationToken connector { id } } }',
      { c: companyId },
    );
    const connectorId = installed.data!.installConnector.connector.id;
    const subscriptionId = randomUUID();
    const clientState = randomUUID();
    await graphSubscriptionModel(h.connection).create({
      _id: subscriptionId,
      connectorId,
      tenantId: randomUUID(),
      resource: '/users',
      changeType: 'updated,deleted',
      clientStateHash: hashClientState(clientState),
      expiresAt: new Date(Date.now() + 86_400_000),
      renewAfter: new Date(Date.now() + 43_200_000),
    });
    return {
      partnerId,
      partner,
      companyAdmin: await h.jwt({ role: 'COMPANY_ADMIN', companyId, sub: `company-${label}` }),
      companyId,
      connectorId,
      connectorToken: installed.data!.installConnector.authenticationToken,
      subscriptionId,
      clientState,
    };
  };
  const a = await tenant('a');
  const b = await tenant('b');
  const url = h.server.url;

  return {
    h,
    url,
    stats: receiver.stats,
    scheduler,
    a,
    b,
    // Every request spends its budget (even a refused one): that counter is the only write.
    snapshot: () => snapshotDatabase(h.connection, { ignore: [RATE_LIMIT_COLLECTION] }),
    async assertServing() {
      const health = await fetch(`${url}/healthz`);
      if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
      const ready = await fetch(`${url}/readyz`);
      if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
      const query = await h.gql<{ connector: { id: string } }>(
        a.partner,
        'query($id:ID!){ connector(id:$id) { id } }',
        { id: a.connectorId },
      );
      if (query.data?.connector.id !== a.connectorId) {
        throw new Error(`GraphQL no longer serves: ${query.raw.slice(0, 300)}`);
      }
    },
    stop: () => h.stop(),
  };
}
