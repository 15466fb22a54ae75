import type { Logger } from 'pino';
import type { OutboundModels } from '../db/models/outbound-models.js';
import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import type { AttemptLog } from './attempt-log.js';
import type { FeedWindows } from './feed-windows.js';
import type { OutboundSettings } from './outbound-settings.js';
import type { Pool } from './ordered-send.js';
import type { ParkedDeliveries } from './parked-deliveries.js';
import type { WebhookSender } from './webhook-sender.js';

/** What a delivery round works with; one per hub instance (built by create-outbound.ts). */
export interface DeliveryContext {
  models: Pick<OutboundModels, 'WebhookEndpoint'>;
  windows: FeedWindows;
  parked: ParkedDeliveries;
  attempts: AttemptLog;
  sender: WebhookSender;
  settings: OutboundSettings;
  /** Sends at once per endpoint (different users). */
  pool: Pool;
  /** Milliseconds since the epoch: retries, leases and windows are timed by it (tests scale it). */
  clock: () => number;
  random: () => number;
  /** This instance, as the owner of endpoint leases. */
  owner: string;
  /** Turns the endpoint off, with the reason, and tells the company's other endpoints. */
  disable(endpoint: WebhookEndpointDoc, reason: string): Promise<void>;
  logger: Logger;
}
