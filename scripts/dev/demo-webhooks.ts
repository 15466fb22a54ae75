import path from 'node:path';
import { HubGraphqlClient } from '../../src/cli/graphql-client.js';
import { startDemoReceiver, type DemoReceiver } from './demo-receiver.js';

/** What the launcher remembers of the demo endpoint between runs (in .dev/demo.json). */
export interface DemoWebhookState {
  webhookEndpointId?: string;
  /** Shown once at creation; kept (mode 0600, like the connector token) for the receiver. */
  webhookSecret?: string;
}

interface EndpointState {
  id: string;
  url: string;
  enabled: boolean;
}

const DESCRIPTION = 'npm run dev: the demo receiver (scripts/dev/demo-receiver.ts)';

/**
 * The demo receiver on `port`, and the demo company's endpoint pointed at it; every verified
 * event goes to <dir>/webhooks.log. The caller stops the receiver.
 */
export async function startDemoWebhooks(options: {
  dir: string;
  port: number;
  print: ((line: string) => void) | null;
  graphqlUrl: string;
  partnerJwt: string;
  demo: DemoWebhookState & { companyId: string };
  log: (line: string) => void;
}): Promise<{
  receiver: DemoReceiver;
  webhook: Required<DemoWebhookState>;
  webhookLogFile: string;
}> {
  const webhookLogFile = path.join(options.dir, 'webhooks.log');
  const receiver = await startDemoReceiver({
    port: options.port,
    logFile: webhookLogFile,
    print: options.print,
  });
  try {
    const webhook = await ensureDemoWebhook({
      graphqlUrl: options.graphqlUrl,
      partnerJwt: options.partnerJwt,
      companyId: options.demo.companyId,
      receiverUrl: receiver.url,
      state: options.demo,
      log: options.log,
    });
    receiver.setSecret(webhook.webhookSecret);
    return { receiver, webhook, webhookLogFile };
  } catch (error) {
    await receiver.stop();
    throw error;
  }
}

/**
 * Makes sure the demo company has an outbound webhook endpoint pointing at the demo receiver,
 * through the same GraphQL API a portal uses. A second run reuses it (so it catches up on what
 * changed while the stack was down), moves it to the receiver's new URL and enables it again;
 * without a remembered secret it rotates to a new one, with no grace period.
 */
export async function ensureDemoWebhook(options: {
  graphqlUrl: string;
  partnerJwt: string;
  companyId: string;
  receiverUrl: string;
  state: DemoWebhookState;
  log: (line: string) => void;
}): Promise<Required<DemoWebhookState>> {
  const api = new HubGraphqlClient(options.graphqlUrl, `Bearer ${options.partnerJwt}`);
  const { webhookEndpoints } = await api.request<{ webhookEndpoints: { nodes: EndpointState[] } }>(
    'query($c: ID!) { webhookEndpoints(companyId: $c, first: 100) { nodes { id url enabled } } }',
    { c: options.companyId },
  );
  const known = webhookEndpoints.nodes.find((e) => e.id === options.state.webhookEndpointId);
  if (!known) {
    const { createWebhookEndpoint } = await api.request<{
      createWebhookEndpoint: { endpoint: { id: string }; secret: string };
    }>(
      `mutation($input: CreateWebhookEndpointInput!) {
        createWebhookEndpoint(input: $input) { endpoint { id } secret }
      }`,
      {
        input: { companyId: options.companyId, url: options.receiverUrl, description: DESCRIPTION },
      },
    );
    options.log(`registered the demo webhook endpoint ${createWebhookEndpoint.endpoint.id}`);
    return {
      webhookEndpointId: createWebhookEndpoint.endpoint.id,
      webhookSecret: createWebhookEndpoint.secret,
    };
  }
  if (known.url !== options.receiverUrl) {
    await api.request(
      'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }',
      { input: { endpointId: known.id, url: options.receiverUrl } },
    );
  }
  if (!known.enabled) {
    await api.request(
      'mutation($id: ID!) { setWebhookEndpointEnabled(endpointId: $id, enabled: true) { id } }',
      { id: known.id },
    );
  }
  let secret = options.state.webhookSecret;
  if (!secret) {
    const { rotateWebhookEndpointSecret } = await api.request<{
      rotateWebhookEndpointSecret: { secret: string };
    }>(
      'mutation($id: ID!) { rotateWebhookEndpointSecret(endpointId: $id, graceHours: 0) { secret } }',
      { id: known.id },
    );
    secret = rotateWebhookEndpointSecret.secret;
  }
  options.log(`reused the demo webhook endpoint ${known.id}`);
  return { webhookEndpointId: known.id, webhookSecret: secret };
}
