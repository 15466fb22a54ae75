import { createHash } from 'node:crypto';
import type { DirectoryChangeRecord } from '../domain/directory-event.js';

/** An event ready to sign and send to any endpoint. */
export interface OutboundMessage {
  /** `webhook-id`: the same for every attempt (and every endpoint) of one event. */
  webhookId: string;
  type: string;
  /** The payload `{ type, timestamp, data }`, exactly as signed. */
  body: string;
  /** One key's events go one at a time, in order: the user's or the group's Entra id. */
  orderKey: string;
  order: number;
  /** The feed position; null for operator events. */
  seq: number | null;
}

/**
 * A feed entry as a webhook. `timestamp` is when the change was applied; `data` names the
 * directory object by both ids and carries the touched attributes before and after, never a
 * secret (docs/webhooks.md lists every field).
 */
export function feedMessage(record: DirectoryChangeRecord): OutboundMessage {
  const user = record.objectType === 'USER';
  const data: Record<string, unknown> = {
    cursor: record.cursor,
    companyId: record.companyId,
    connectorId: record.connectorId,
    runId: record.runId,
    ...(user
      ? { userId: record.objectId, entraId: record.entraId, email: record.label }
      : { groupId: record.objectId, entraId: record.entraId, name: record.label }),
    rule: record.rule,
    before: record.before,
    after: record.after,
    ...(record.members ? { members: record.members } : {}),
  };
  return {
    webhookId: `msg_${record.companyId}_${record.seq}`,
    type: record.type,
    body: JSON.stringify({ type: record.type, timestamp: record.occurredAt.toISOString(), data }),
    orderKey: `${user ? 'user' : 'group'}:${record.entraId}`,
    order: record.seq,
    seq: record.seq,
  };
}

/**
 * An operator event (connector status, approval, test). `eventKey` names the occurrence, so the
 * instances that all hear it derive the same id and store it once.
 */
export function operatorMessage(
  type: string,
  eventKey: string,
  orderKey: string,
  at: Date,
  data: Record<string, unknown>,
): OutboundMessage {
  const digest = createHash('sha256').update(`${type}|${eventKey}`).digest('base64url');
  return {
    webhookId: `msg_op_${digest.slice(0, 27)}`,
    type,
    body: JSON.stringify({ type, timestamp: at.toISOString(), data }),
    orderKey,
    order: at.getTime(),
    seq: null,
  };
}
