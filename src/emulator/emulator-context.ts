import type { EmulatorClock } from './clock.js';
import { FaultService } from './faults/fault.service.js';
import type { SigningKeys } from './identity/signing-keys.js';
import { TokenService } from './identity/token.service.js';
import { Counters } from './observability/counters.js';
import { RequestLog } from './observability/request-log.js';
import { IdentityRegistry } from './store/identity-registry.js';
import { ThrottleService } from './throttling/throttle.service.js';
import { OpaqueTokenCodec } from './util/opaque-token.js';

export interface EmulatorSettings {
  allowHttpNotificationUrls: boolean;
  notificationBatchWindowMs: number;
  /** Total time a notification is retried before it is dropped (Graph: 4 hours). */
  notificationRetryWindowMs: number;
  /** First retry delay; doubles on each attempt. */
  notificationRetryBaseMs: number;
  /** Validation handshake timeout (Graph: 10 s). */
  validationTimeoutMs: number;
  /** A delivery answered later than this counts as failed (Graph: 3 s). */
  deliveryTimeoutMs: number;
  requestLogSize: number;
  /** `expires_in` of issued access tokens. */
  tokenLifetimeSeconds: number;
}

/** Everything the routers share: the state, the services, and the public base URL. */
export class EmulatorContext {
  /** `https://localhost:PORT`, known once the server listens. Links are built from it. */
  baseUrl = '';
  readonly registry: IdentityRegistry;
  readonly tokens: TokenService;
  readonly codec = new OpaqueTokenCodec();
  readonly counters = new Counters();
  readonly requestLog: RequestLog;
  readonly faults = new FaultService();
  readonly throttle: ThrottleService;

  constructor(
    readonly clock: EmulatorClock,
    readonly keys: SigningKeys,
    readonly settings: EmulatorSettings,
    readonly log: (line: string) => void,
  ) {
    this.registry = new IdentityRegistry(clock);
    this.tokens = new TokenService(keys, clock, settings.tokenLifetimeSeconds);
    this.throttle = new ThrottleService(clock);
    this.requestLog = new RequestLog(settings.requestLogSize);
  }
}
