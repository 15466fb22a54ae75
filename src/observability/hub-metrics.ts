import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the hub exports, on one registry. Collectors (graph-requests, live-events,
 * database, webhooks) feed it from what the service already has; nothing else in src/ imports
 * prom-client.
 */
export class HubMetrics {
  readonly registry = new Registry();

  readonly syncRuns = new Counter({
    name: 'hub_sync_runs_total',
    help: 'Sync runs that ended, by status (SUCCEEDED, PARTIAL, NEEDS_APPROVAL, FAILED, CANCELLED) and trigger',
    labelNames: ['status', 'trigger'] as const,
    registers: [this.registry],
  });

  readonly syncRunsStarted = new Counter({
    name: 'hub_sync_runs_started_total',
    help: 'Sync runs seen (first event of each run), by trigger',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  readonly syncRunDuration = new Histogram({
    name: 'hub_sync_run_duration_seconds',
    help: 'Duration of sync runs that ended, by mode and status',
    labelNames: ['mode', 'status'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly syncRunsInProgress = new Gauge({
    name: 'hub_sync_runs_in_progress',
    help: 'Sync runs seen QUEUED or RUNNING and not ended yet',
    registers: [this.registry],
  });

  readonly connectorStatusChanges = new Counter({
    name: 'hub_connector_status_changes_total',
    help: 'Connector status transitions, by new status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly connectors = new Gauge({
    name: 'hub_connectors',
    help: 'Installed connectors by status (NOT_SAVED until Save changes), read from the database at scrape time',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly graphRequests = new Counter({
    name: 'hub_graph_requests_total',
    help: 'HTTP requests to Microsoft Graph, by method and status code (0 = no response)',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  readonly graphThrottles = new Counter({
    name: 'hub_graph_throttled_total',
    help: 'Microsoft Graph answers 429 (Too Many Requests) or 503 with Retry-After',
    registers: [this.registry],
  });

  readonly graphRequestDuration = new Histogram({
    name: 'hub_graph_request_duration_seconds',
    help: 'Time to the response headers of Microsoft Graph requests',
    labelNames: ['method'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly identityRequests = new Counter({
    name: 'hub_entra_token_requests_total',
    help: 'Requests to the Microsoft identity platform (tokens, discovery), by status code',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly webhookRequests = new Counter({
    name: 'hub_webhook_requests_total',
    help: 'Graph webhook requests answered, by endpoint (notifications, lifecycle) and status (202 = acknowledged)',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  readonly webhookAckDuration = new Histogram({
    name: 'hub_webhook_ack_duration_seconds',
    help: 'Time from a webhook request to its answer (Graph allows 3 s)',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });

  readonly webhookNotifications = new Gauge({
    name: 'hub_webhook_notifications',
    help: "The receiver's counters since start (validations, notifications, accepted, clientStateMismatch, ...)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly notificationBacklog = new Gauge({
    name: 'hub_notification_backlog',
    help: 'Change notifications received and not yet turned into a sync',
    registers: [this.registry],
  });

  readonly notificationLag = new Gauge({
    name: 'hub_notification_lag_seconds',
    help: 'Age of the oldest change notification not yet turned into a sync (0 when none)',
    registers: [this.registry],
  });

  readonly graphSubscriptions = new Gauge({
    name: 'hub_graph_subscriptions',
    help: 'Graph change subscriptions per connector by state: active, expiring (renewal or reauthorization due), failing (expired, removed by Graph, or missing for an active connector)',
    labelNames: ['connector_id', 'state'] as const,
    registers: [this.registry],
  });

  readonly clientSecretExpiry = new Gauge({
    name: 'hub_connector_client_secret_expiry_timestamp_seconds',
    help: "When each enabled connector's client secret expires (the date entered with it), in Unix seconds",
    labelNames: ['connector_id'] as const,
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'hub_build_info',
    help: 'Always 1; the labels say what runs: version, revision (source commit) and node',
    labelNames: ['version', 'revision', 'node'] as const,
    registers: [this.registry],
  });

  readonly scrapeErrors = new Counter({
    name: 'hub_metrics_collect_errors_total',
    help: 'Collectors that failed during a scrape (e.g. the database did not answer)',
    labelNames: ['collector'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'hub_' });
    }
  }
}
