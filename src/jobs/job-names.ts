/** Every Agenda job the real-time layer defines, in one place. */
export enum JobName {
  /** Recurring tick: POLL delta syncs for the connectors whose offset falls in this slice. */
  POLL_CONNECTORS = 'realtime:poll-connectors',
  /** One-off per connector (unique): turn its change notices into a WEBHOOK delta sync. */
  PROCESS_CONNECTOR_NOTIFICATIONS = 'realtime:process-connector-notifications',
  /** Recurring: notices nobody processed (crash after the 202, lost wake-up) get processed. */
  SWEEP_CHANGE_NOTICES = 'realtime:sweep-change-notices',
  /** Recurring: subscriptions due for renewal or flagged by lifecycle events. */
  RENEW_SUBSCRIPTIONS = 'realtime:renew-subscriptions',
  /** One-off per connector (unique): reconcile its subscriptions after a lifecycle event. */
  MAINTAIN_CONNECTOR_SUBSCRIPTIONS = 'realtime:maintain-connector-subscriptions',
  /** Recurring tick: full RECONCILE syncs, spread over SYNC_RECONCILE_INTERVAL_MS. */
  RECONCILE_CONNECTORS = 'realtime:reconcile-connectors',
  /** Daily: client secrets expiring within 30 days. */
  SECRET_EXPIRY_WARNINGS = 'realtime:secret-expiry-warnings',
  /** Daily: delete sync runs older than SYNC_RUN_RETENTION_DAYS. */
  RUN_RETENTION = 'realtime:run-retention',
}

/** Data of the per-connector one-off jobs; their uniqueness key is `data.connectorId`. */
export interface ConnectorJobData {
  connectorId: string;
}
