import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { CompanyModel } from '../db/models/company.model.js';
import type { OutboundModels } from '../db/models/outbound-models.js';
import type { SyncModels } from '../db/models/sync-models.js';
import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import type { LiveEvents } from '../events/live-events.js';
import type { ChangeFeed } from '../feed/change-feed.js';
import { AttemptLog } from './attempt-log.js';
import type { DeliveryContext } from './delivery-context.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';
import { WebhookDeliveryService } from './delivery.service.js';
import { WebhookEndpointService } from './endpoint.service.js';
import { FeedWindows } from './feed-windows.js';
import { OperatorEvents } from './operator-events.js';
import { boundedPool } from './ordered-send.js';
import type { OutboundSettings } from './outbound-settings.js';
import { ParkedDeliveries } from './parked-deliveries.js';
import { TargetAgents, type ResolveAll } from './safe-target.js';
import { SignerCache } from './signer-cache.js';
import { WebhookSender } from './webhook-sender.js';

/** Knobs tests and benches change; production keeps the defaults. */
export interface OutboundTuning {
  /** The delivery clock (retries, leases); default Date.now. A bench may run it faster. */
  clock?: () => number;
  /** Host name resolution for receivers; default the system resolver. */
  resolve?: ResolveAll;
  /** Default 2 s. */
  scanMs?: number;
  /** Default 64. */
  maxActiveEndpoints?: number;
}

export interface OutboundDeps {
  models: OutboundModels & Pick<SyncModels, 'SyncRun'> & { Company: CompanyModel };
  feed: ChangeFeed;
  live: LiveEvents;
  box: SecretBox;
  settings: OutboundSettings;
  logger: Logger;
  tuning?: OutboundTuning;
}

/** The outbound webhooks of one hub instance: the API's services and the delivery machinery. */
export interface Outbound {
  endpoints: WebhookEndpointService;
  deliveries: WebhookDeliveryService;
  /** Delivers (this instance's share of the queue) and queues operator events, until stopped. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The only constructor of the outbound objects; the composition root (src/runtime) calls it.
 * Over 80 lines on purpose: it wires a dozen collaborators once, in dependency order, and reads
 * as a list; helpers would only hand the same dependencies around.
 */
export function createOutbound(deps: OutboundDeps): Outbound {
  const { models, settings, tuning = {} } = deps;
  const logger = deps.logger.child({ component: 'webhooks-out' });
  const clock = tuning.clock ?? Date.now;
  const agents = new TargetAgents({
    connections: settings.concurrencyPerEndpoint,
    connectTimeoutMs: Math.min(settings.timeoutMs, 10_000),
  });
  const sender = new WebhookSender({
    rules: settings,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    agents,
    ...(tuning.resolve ? { resolve: tuning.resolve } : {}),
  });
  const parked = new ParkedDeliveries(models.WebhookDelivery);
  const attempts = new AttemptLog(models.WebhookAttemptChunk, models.WebhookEndpoint);
  const signers = new SignerCache(deps.box);
  let dispatcher: DeliveryDispatcher | null = null;
  const wake = (endpointId: string) => dispatcher?.wake(endpointId);
  const operatorEvents = new OperatorEvents({
    models,
    live: deps.live,
    parked,
    wake,
    clock,
    logger,
  });
  const ctx: DeliveryContext = {
    models,
    windows: new FeedWindows(deps.feed),
    parked,
    attempts,
    sender,
    settings,
    pool: boundedPool(settings.concurrencyPerEndpoint),
    clock,
    random: Math.random,
    owner: randomUUID(),
    logger,
    disable: (ep, reason) => disable(models, operatorEvents, logger, clock, ep, reason),
  };
  const endpoints = new WebhookEndpointService({
    models,
    box: deps.box,
    settings,
    store: deps.feed.store,
    parked,
    clock,
    logger,
    ...(tuning.resolve ? { resolve: tuning.resolve } : {}),
  });
  const deliveries = new WebhookDeliveryService({
    models,
    endpoints,
    store: deps.feed.store,
    attempts,
    parked,
    sender,
    signers,
    wake,
    clock,
    logger,
  });
  return {
    endpoints,
    deliveries,
    start() {
      dispatcher = new DeliveryDispatcher(
        ctx,
        deps.feed.store,
        signers,
        () => deps.feed.commits(),
        {
          scanMs: tuning.scanMs ?? 2_000,
          maxActiveEndpoints: tuning.maxActiveEndpoints ?? 64,
        },
      );
      dispatcher.start();
      operatorEvents.start();
    },
    async stop() {
      await operatorEvents.stop();
      await dispatcher?.stop();
      dispatcher = null;
      await agents.close();
    },
  };
}

async function disable(
  models: Pick<OutboundModels, 'WebhookEndpoint'>,
  operatorEvents: OperatorEvents,
  logger: Logger,
  clock: () => number,
  ep: WebhookEndpointDoc,
  reason: string,
): Promise<void> {
  const at = new Date(clock());
  const result = await models.WebhookEndpoint.updateOne(
    { _id: ep._id, enabled: true },
    { $set: { enabled: false, disabledReason: reason, disabledAt: at, lease: null } },
  );
  if (result.modifiedCount === 0) return;
  logger.warn(
    { endpointId: ep._id.toHexString(), companyId: ep.companyId, reason },
    'webhook endpoint disabled',
  );
  await operatorEvents.endpointDisabled(ep, reason, at);
}
