import type { Logger } from 'pino';
import { withLease } from '../db/lease.js';
import type {
  GraphSubscriptionModel,
  GraphSubscriptionRecord,
} from '../db/models/graph-subscription.model.js';
import type { LeaseModel } from '../db/models/lease.model.js';
import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  statusReasonCodeOf,
  type ConnectorRegistry,
  type ConnectorSyncConfig,
} from '../domain/connector.js';
import { AppError, ErrorCode, isAppError } from '../domain/errors.js';
import type { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import { SubscriptionSteps } from './graph-subscription.steps.js';
import { desiredSubscriptions } from './subscription-plan.js';

/** Whether a connector hears about changes in seconds (webhooks) or within a poll interval. */
export type RealtimeMode = 'WEBHOOKS' | 'POLLING_ONLY';

export interface RealtimeStatus {
  mode: RealtimeMode;
  subscriptions: { resource: string; expiresAt: Date }[];
}

export interface SubscriptionReconcileResult {
  mode: RealtimeMode;
  created: number;
  renewed: number;
  reauthorized: number;
  deleted: number;
  failed: number;
  /** The first upstream failure's code, e.g. UPSTREAM_UNAUTHORIZED. */
  errorCode?: ErrorCode;
  /** The first failure's message (client-safe: it says what to do). */
  errorMessage?: string;
  /** The first failure as the connector's statusReasonCode (e.g. the Entra reason). */
  errorReasonCode?: ConnectorStatusReasonCode;
}

/** What a Graph client needs: the connector's app registration. */
export type SubscriptionCredentials = Pick<
  ConnectorSyncConfig,
  'tenantId' | 'clientId' | 'clientSecret'
>;

export interface GraphSubscriptionServiceDeps {
  subscriptions: GraphSubscriptionModel;
  leases: LeaseModel;
  /** `recordSyncOutcome`, when given, puts an auth refusal met here into the status. */
  registry: Pick<ConnectorRegistry, 'loadSyncConfig'> &
    Partial<Pick<ConnectorRegistry, 'recordSyncOutcome'>>;
  /** Graph subscription calls with one connector's credentials (EntraClientFactory-backed). */
  graphFor: (credentials: SubscriptionCredentials) => GraphSubscriptionsApi;
  /**
   * The stored credentials of a connector the registry no longer returns (disabled): its
   * subscriptions are then deleted at Graph too, not only forgotten. Null once uninstalled
   * (the secret is gone): those subscriptions expire at Graph on their own.
   */
  inactiveCredentials?: (connectorId: string) => Promise<SubscriptionCredentials | null>;
  /** Without it Graph cannot reach the hub: connectors run on polling alone. */
  publicBaseUrl: string | undefined;
  lifetimeMinutes: number;
  logger: Logger;
  /** Called after a subscription was created: what changed before it existed needs a delta. */
  afterSubscribed?: (connectorId: string) => Promise<void>;
  now?: () => Date;
}

/**
 * Keeps each active connector's Graph subscriptions matching what it syncs: `/users` plus the
 * sync group and each selected group (membership changes arrive as `updated` on the group).
 * Renews with a quarter of the lifetime left, recreates what Graph lost (404, expired,
 * `subscriptionRemoved`), reauthorizes on `reauthorizationRequired`, and deletes the rest. One
 * instance works on a connector at a time (a lease), so Graph's quota is never spent on doubles.
 */
export class GraphSubscriptionService {
  private readonly log: Logger;
  private readonly now: () => Date;

  private readonly steps: SubscriptionSteps;

  constructor(private readonly deps: GraphSubscriptionServiceDeps) {
    this.log = deps.logger.child({ component: 'subscription-service' });
    this.now = deps.now ?? (() => new Date());
    this.steps = new SubscriptionSteps(
      deps.subscriptions,
      deps.lifetimeMinutes,
      this.log,
      this.now,
    );
  }

  /** Hub-wide: webhooks need PUBLIC_BASE_URL. */
  get webhooksEnabled(): boolean {
    return this.deps.publicBaseUrl !== undefined;
  }

  async getRealtimeStatus(connectorId: string): Promise<RealtimeStatus> {
    const docs = await this.deps.subscriptions.find({ connectorId }).lean();
    const now = this.now();
    const live = docs.filter((d) => d.expiresAt > now && d.removedAt === null);
    const covered =
      live.some((d) => d.resource === '/users') && live.some((d) => d.resource !== '/users');
    return {
      mode: this.webhooksEnabled && covered ? 'WEBHOOKS' : 'POLLING_ONLY',
      subscriptions: live.map((d) => ({ resource: d.resource, expiresAt: d.expiresAt })),
    };
  }

  /** Brings one connector's subscriptions in line (activation, group selection changed, renew). */
  async reconcileSubscriptions(connectorId: string): Promise<SubscriptionReconcileResult> {
    return withLease(
      this.deps.leases,
      `subscriptions:${connectorId}`,
      { ttlMs: 120_000, waitMs: 15_000 },
      () => this.reconcileLocked(connectorId),
    );
  }

  /**
   * Uninstall: deletes the connector's subscriptions at Graph (with `config` when the caller
   * still has the credentials, else whatever the registry returns) and always locally. Ones that
   * cannot be deleted at Graph expire on their own; their notifications are ignored as unknown.
   */
  async removeSubscriptions(
    connectorId: string,
    config?: SubscriptionCredentials,
  ): Promise<number> {
    return withLease(
      this.deps.leases,
      `subscriptions:${connectorId}`,
      { ttlMs: 120_000, waitMs: 15_000 },
      async () => {
        const docs = await this.deps.subscriptions.find({ connectorId }).lean();
        if (docs.length === 0) return 0;
        const creds =
          config ??
          (await this.deps.registry.loadSyncConfig(connectorId)) ??
          (await this.deps.inactiveCredentials?.(connectorId)) ??
          null;
        const graph = creds ? this.deps.graphFor(creds) : undefined;
        for (const doc of docs) await this.steps.deleteOne(doc, graph);
        return docs.length;
      },
    );
  }

  /** Connectors with a subscription due for renewal or flagged by a lifecycle event. */
  async connectorIdsNeedingMaintenance(): Promise<string[]> {
    const ids = await this.deps.subscriptions.distinct('connectorId', {
      $or: [
        { renewAfter: { $lte: this.now() } },
        { reauthorizationRequestedAt: { $ne: null } },
        { removedAt: { $ne: null } },
      ],
    });
    return ids.map(String);
  }

  private async reconcileLocked(connectorId: string): Promise<SubscriptionReconcileResult> {
    const result: SubscriptionReconcileResult = {
      mode: 'POLLING_ONLY',
      created: 0,
      renewed: 0,
      reauthorized: 0,
      deleted: 0,
      failed: 0,
    };
    const config = await this.deps.registry.loadSyncConfig(connectorId);
    const existing = await this.deps.subscriptions.find({ connectorId }).lean();
    const baseUrl = this.deps.publicBaseUrl;
    if (!config || baseUrl === undefined) {
      if (existing.length === 0) return result;
      const creds = config ?? (await this.deps.inactiveCredentials?.(connectorId)) ?? null;
      const graph = creds ? this.deps.graphFor(creds) : undefined;
      for (const doc of existing) await this.guard(result, () => this.steps.deleteOne(doc, graph));
      result.deleted = existing.length - result.failed;
      return result;
    }

    const graph = this.deps.graphFor(config);
    const desired = desiredSubscriptions(config);
    const keep = new Map<string, GraphSubscriptionRecord>();
    for (const doc of existing) {
      const wanted = desired.some((d) => d.resource === doc.resource);
      const stale = doc.tenantId !== config.tenantId || keep.has(doc.resource);
      if (wanted && !stale) keep.set(doc.resource, doc);
      else if (await this.guard(result, () => this.steps.deleteOne(doc, graph)))
        result.deleted += 1;
    }

    for (const want of desired) {
      const doc = keep.get(want.resource);
      await this.guard(result, async () => {
        const outcome = await this.steps.maintainOne(graph, config, want, doc, baseUrl);
        if (outcome !== 'unchanged') result[outcome] += 1;
      });
      if (result.errorCode === ErrorCode.UPSTREAM_UNAUTHORIZED) break;
    }
    if (result.created > 0) await this.deps.afterSubscribed?.(connectorId);
    if (result.errorCode === ErrorCode.UPSTREAM_UNAUTHORIZED && result.errorMessage) {
      // Entra or Graph refused the credentials here: the status says so now, as a sync would.
      await this.deps.registry.recordSyncOutcome?.(
        connectorId,
        {
          ok: false,
          at: this.now(),
          code: result.errorCode,
          message: result.errorMessage,
          reasonCode: result.errorReasonCode ?? ConnectorStatusReasonCode.UNKNOWN,
          status: ConnectorStatus.UNAUTHORIZED,
        },
        { backoff: false },
      );
    }
    result.mode = (await this.getRealtimeStatus(connectorId)).mode;
    return result;
  }

  /** Runs one Graph step; a failure is counted and logged, and the others still run. */
  private async guard(result: SubscriptionReconcileResult, step: () => Promise<void>) {
    try {
      await step();
      return true;
    } catch (error) {
      result.failed += 1;
      const code = isAppError(error) ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      if (result.errorCode === undefined) {
        result.errorCode = code;
        if (isAppError(error)) result.errorMessage = error.message;
        result.errorReasonCode = statusReasonCodeOf(error);
      }
      // AppError messages are ours and client-safe (no secret, no token): they name the cause.
      this.log.warn(
        isAppError(error)
          ? {
              code,
              reason: error.details?.['reason'],
              details: error.details,
              cause: error.message,
            }
          : { code, err: error },
        'Graph subscription step failed',
      );
      if (!isAppError(error))
        throw new AppError(code, 'subscription step failed', { cause: error });
      return false;
    }
  }
}
