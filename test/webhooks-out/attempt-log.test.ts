/**
 * The attempt log keeps the common case short in the database (a first attempt, delivered, at
 * the round's time, packed in one binary) and reads every attempt back whole, newest first,
 * chunks written in the older forms (an array, whole records) included.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Binary } from 'mongodb';
import { Types } from 'mongoose';
import { attemptChunkId, type AttemptRecord } from '../../src/db/models/webhook-attempt.model.js';
import { AttemptLog } from '../../src/outbound/attempt-log.js';
import { unpack, type Packed } from '../../src/db/models/packed.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let h: TestHub;

beforeAll(async () => {
  h = await startTestHub();
});
afterAll(() => h.stop());

const at = new Date('2026-12-05T10:00:00.000Z');
const delivered = (seq: number): AttemptRecord => ({
  webhookId: `msg_c_${seq}`,
  type: 'directory.user.updated',
  seq,
  attempt: 1,
  at,
  status: 204,
  ok: true,
  latencyMs: 3,
  error: null,
  response: null,
  nextRetryAt: null,
});
const failed: AttemptRecord = {
  webhookId: 'msg_op_x',
  type: 'connector.status_changed',
  seq: null,
  attempt: 3,
  at: new Date(at.getTime() + 5),
  status: 503,
  ok: false,
  latencyMs: 12,
  error: 'HTTP 503',
  response: 'busy',
  nextRetryAt: new Date(at.getTime() + 60_000),
};

it('stores delivered first attempts without their shared fields and reads every field back', async () => {
  const endpointId = new Types.ObjectId().toHexString();
  const ep = await h.infra.models.WebhookEndpoint.collection.insertOne({
    _id: new Types.ObjectId(endpointId),
    logChunk: 0,
  });
  expect(ep.acknowledged).toBe(true);
  // A chunk in the older form: whole records, no chunk time.
  await h.infra.models.WebhookAttemptChunk.collection.insertOne({
    _id: attemptChunkId(endpointId, 1),
    endpointId,
    chunk: 1,
    attempts: [delivered(1)],
    count: 1,
    createdAt: new Date(),
  } as never);
  const log = new AttemptLog(h.infra.models.WebhookAttemptChunk, h.infra.models.WebhookEndpoint);
  const chunk = await log.append(endpointId, [delivered(2), failed, delivered(3)], 1);
  expect(chunk).toBe(2);

  const raw = await h.infra.models.WebhookAttemptChunk.collection.findOne({
    _id: attemptChunkId(endpointId, 2),
  } as never);
  const stored = (raw as unknown as { attempts: Packed<unknown> }).attempts;
  expect(stored).toBeInstanceOf(Binary);
  expect(unpack(stored)[0]).toEqual({
    webhookId: 'msg_c_2',
    type: 'directory.user.updated',
    seq: 2,
    status: 204,
    latencyMs: 3,
  });

  const page = await log.page(endpointId, 2, 10, null);
  expect(page.totalCount).toBe(4);
  expect(page.attempts.map(({ cursor: _cursor, ...attempt }) => attempt)).toEqual([
    delivered(3),
    failed,
    delivered(2),
    delivered(1),
  ]);
});
