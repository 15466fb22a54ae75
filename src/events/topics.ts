/**
 * Topics the real-time layer publishes on the event bus. The API's LiveEvents topics
 * (CONNECTOR_STATUS_CHANGED, SYNC_RUN_UPDATED) travel on the same bus through its adapter.
 */
export enum RealtimeTopic {
  /** A connector's client secret expires within the warning window; once a day per connector. */
  CONNECTOR_SECRET_EXPIRING = 'CONNECTOR_SECRET_EXPIRING',
}

export interface SecretExpiringEvent extends Record<string, unknown> {
  connectorId: string;
  expiresAt: Date;
  daysLeft: number;
}

export interface RealtimeTopics {
  [RealtimeTopic.CONNECTOR_SECRET_EXPIRING]: SecretExpiringEvent;
  [topic: string]: Record<string, unknown>;
}
