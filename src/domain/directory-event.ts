/**
 * What the hub tells the password manager: the company's directory changes, in order (the feed),
 * and a few operator events. The names follow the Standard Webhooks recommendation: hierarchical,
 * full-stop delimited, versioned by adding new types rather than changing a type's schema
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
 * "Event types"). docs/webhooks.md documents every payload.
 */
export enum DirectoryEventType {
  USER_CREATED = 'directory.user.created',
  USER_UPDATED = 'directory.user.updated',
  USER_DISABLED = 'directory.user.disabled',
  USER_ENABLED = 'directory.user.enabled',
  USER_DELETED = 'directory.user.deleted',
  GROUP_CREATED = 'directory.group.created',
  GROUP_UPDATED = 'directory.group.updated',
  GROUP_DELETED = 'directory.group.deleted',
  GROUP_MEMBERS_CHANGED = 'directory.group.members_changed',
}

/** Events outside the directory feed: delivered by webhook, not replayable from a cursor. */
export enum OperatorEventType {
  CONNECTOR_STATUS_CHANGED = 'connector.status_changed',
  SYNC_RUN_NEEDS_APPROVAL = 'sync_run.needs_approval',
  /** Sent to a company's other endpoints when one is disabled (410 or persistent failure). */
  ENDPOINT_DISABLED = 'webhook.endpoint_disabled',
  /** `sendTestWebhook`; never retried. */
  TEST = 'webhook.test',
}

export type WebhookEventType = DirectoryEventType | OperatorEventType;

export const DIRECTORY_EVENT_TYPES: readonly string[] = Object.values(DirectoryEventType);
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  ...DIRECTORY_EVENT_TYPES,
  ...Object.values(OperatorEventType),
];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return WEBHOOK_EVENT_TYPES.includes(value);
}

export type DirectoryObjectKind = 'USER' | 'GROUP';

/** One entry of a company's change feed, as the API and the webhooks show it. */
export interface DirectoryChangeRecord {
  /** Opaque, only grows within a company. */
  cursor: string;
  /** The position behind the cursor (1, 2, 3, ... per company). */
  seq: number;
  type: DirectoryEventType;
  occurredAt: Date;
  companyId: string;
  connectorId: string | null;
  runId: string | null;
  objectType: DirectoryObjectKind;
  /** The directory's own id of the user or group (null if it no longer exists). */
  objectId: string | null;
  /** The Entra object id. */
  entraId: string;
  /** Email or group name, for people reading the feed. */
  label: string;
  /** The sync rule behind the change (e.g. `userRemovedFromGroup`). */
  rule: string | null;
  /** The touched attributes before and after the change. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** `directory.group.members_changed`: Entra user ids that joined and left (in scope). */
  members: { added: string[]; removed: string[] } | null;
}

/** Feed cursors: opaque to clients, a per-company sequence number inside. */
export function encodeFeedCursor(seq: number): string {
  return Buffer.from(`f1:${seq}`).toString('base64url');
}

/** The sequence number of a cursor, or null when the text is not one. */
export function decodeFeedCursor(cursor: string): number | null {
  const match = /^f1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}
