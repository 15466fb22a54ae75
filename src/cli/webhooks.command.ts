import type { HubGraphqlClient } from './graphql-client.js';
import type { Output } from './output.js';
import { readPages, shownLine, type Connection, type Paged } from './pages.js';
import { table } from './render.js';
import {
  COMPANIES,
  REPLAY_WEBHOOK_DELIVERIES,
  SEND_TEST_WEBHOOK,
  WEBHOOK_DELIVERIES,
  WEBHOOK_ENDPOINTS,
  type AttemptRow,
  type EndpointRow,
} from './webhook-operations.js';

export interface WebhooksOptions {
  /** list (default), deliveries, test or replay. */
  action: string | undefined;
  endpointId: string | undefined;
  companyId: string | undefined;
  /** replay: a feed cursor, or `oldest` for every entry the feed keeps. */
  from: string | undefined;
  pageSize: number;
  /** Rows at most (null: all); `deliveries` defaults to 50. */
  limit: number | null;
}

export const WEBHOOKS_ACTIONS = 'list, deliveries, test or replay';

/** `webhooks`: a company's outbound webhook endpoints, their attempts, a test event, a replay. */
export async function webhooksCommand(
  api: HubGraphqlClient,
  out: Output,
  options: WebhooksOptions,
): Promise<number> {
  const action = options.action ?? 'list';
  const endpointId = () => {
    if (!options.endpointId) throw new Error(`webhooks ${action} needs an endpoint id`);
    return options.endpointId;
  };
  switch (action) {
    case 'list':
      return listEndpoints(api, out, options);
    case 'deliveries':
      return listDeliveries(api, out, endpointId(), options);
    case 'test':
      return sendTest(api, out, endpointId());
    case 'replay':
      return replay(api, out, endpointId(), options.from);
    default:
      throw new Error(`unknown webhooks action "${action}": ${WEBHOOKS_ACTIONS}`);
  }
}

/** Every endpoint of one company, or of every company the caller sees, all pages. */
async function listEndpoints(
  api: HubGraphqlClient,
  out: Output,
  options: WebhooksOptions,
): Promise<number> {
  const companies = options.companyId
    ? [{ id: options.companyId, name: '' }]
    : (await api.request<{ companies: { id: string; name: string }[] }>(COMPANIES)).companies;
  const all: Paged<EndpointRow> = { rows: [], totalCount: 0 };
  for (const company of companies) {
    const left = options.limit === null ? null : options.limit - all.rows.length;
    const variables = { companyId: company.id };
    if (left === 0) {
      // Past --limit: only how many there are, for the "N of M shown" line.
      const page = of(await api.request(WEBHOOK_ENDPOINTS, { ...variables, first: 1 }));
      all.totalCount += page.totalCount;
      continue;
    }
    const paged = await readPages<EndpointRow>(api, WEBHOOK_ENDPOINTS, variables, of, {
      pageSize: options.pageSize,
      limit: left,
    });
    all.rows.push(...paged.rows);
    all.totalCount += paged.totalCount;
  }
  out.line(
    table(
      ['ENDPOINT', 'COMPANY', 'URL', 'ENABLED', 'EVENTS', 'POSITION', 'LAST SUCCESS', 'RETRY'],
      all.rows.map((e) => [
        e.id,
        e.companyId,
        e.url,
        e.enabled ? 'yes' : `no: ${e.disabledReason ?? ''}`,
        e.eventTypes.length === 0 ? 'all' : e.eventTypes.join(','),
        e.cursor,
        e.lastSuccessAt,
        e.failingSince ? `failing since ${e.failingSince}, next ${e.nextRetryAt}` : e.nextRetryAt,
      ]),
    ),
  );
  out.line(shownLine(all, 'endpoint'));
  return 0;
}

function of(data: Record<string, unknown>): Connection<EndpointRow> {
  return data['webhookEndpoints'] as Connection<EndpointRow>;
}

/** An endpoint's delivery attempts, newest first. */
async function listDeliveries(
  api: HubGraphqlClient,
  out: Output,
  endpointId: string,
  options: WebhooksOptions,
): Promise<number> {
  const paged = await readPages<AttemptRow>(
    api,
    WEBHOOK_DELIVERIES,
    { endpointId },
    (data) => data['webhookDeliveries'] as Connection<AttemptRow>,
    options,
  );
  out.line(
    table(
      ['AT', 'WEBHOOK ID', 'TYPE', 'EVENT CURSOR', 'TRY', 'RESULT', 'LATENCY', 'NEXT RETRY'],
      paged.rows.map((a) => [
        a.at,
        a.webhookId,
        a.type,
        a.eventCursor,
        a.attempt,
        result(a),
        `${a.latencyMs} ms`,
        a.nextRetryAt,
      ]),
    ),
  );
  out.line(shownLine(paged, 'attempt'));
  return 0;
}

/** One signed `webhook.test` event, now; exit status 1 when the receiver did not accept it. */
async function sendTest(api: HubGraphqlClient, out: Output, endpointId: string): Promise<number> {
  const { sendTestWebhook: a } = await api.request<{
    sendTestWebhook: AttemptRow & { response: string | null };
  }>(SEND_TEST_WEBHOOK, { endpointId });
  const said = a.response ? `; the receiver said: ${a.response}` : '';
  out.line(
    `test event ${a.webhookId} to endpoint ${endpointId}: ${a.ok ? 'delivered' : 'FAILED'} ` +
      `(${result(a)}, ${a.latencyMs} ms)${a.ok ? '' : said}`,
  );
  return a.ok ? 0 : 1;
}

/** Moves the endpoint back to `from`: every event after it is delivered again, same ids. */
async function replay(
  api: HubGraphqlClient,
  out: Output,
  endpointId: string,
  from: string | undefined,
): Promise<number> {
  if (!from) {
    throw new Error(
      'webhooks replay needs --from CURSOR (a directoryChanges cursor, `data.cursor` of a ' +
        'webhook, an EVENT CURSOR of `webhooks deliveries`) or --from oldest',
    );
  }
  const fromCursor = from === 'oldest' ? null : from;
  const { replayWebhookDeliveries: e } = await api.request<{
    replayWebhookDeliveries: EndpointRow;
  }>(REPLAY_WEBHOOK_DELIVERIES, { endpointId, fromCursor });
  out.line(
    `endpoint ${endpointId}: replaying every event after ${fromCursor ?? 'the oldest kept entry'} ` +
      `with its original webhook-id (position now ${e.cursor ?? 'the start of the feed'})`,
  );
  if (!e.enabled) {
    out.line(`the endpoint is disabled (${e.disabledReason ?? ''}): nothing is sent until enabled`);
  }
  return 0;
}

function result(a: Pick<AttemptRow, 'status' | 'error'>): string {
  if (a.status !== null) return a.error ? `HTTP ${a.status}: ${a.error}` : `HTTP ${a.status}`;
  return a.error ?? 'no answer';
}
