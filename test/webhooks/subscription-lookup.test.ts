import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Connection } from 'mongoose';
import {
  graphSubscriptionModel,
  type GraphSubscriptionModel,
} from '../../src/db/models/graph-subscription.model.js';
import { SubscriptionLookup } from '../../src/webhooks/subscription-lookup.js';
import { makeSubscription } from '../builders/graph-notifications.js';
import { openTestConnection } from '../helpers/database.js';

describe('SubscriptionLookup', () => {
  let connection: Connection;
  let closeDb: () => Promise<void>;
  let subscriptions: GraphSubscriptionModel;
  const subs = Array.from({ length: 20 }, () => makeSubscription());

  beforeAll(async () => {
    ({ connection, close: closeDb } = await openTestConnection());
    subscriptions = graphSubscriptionModel(connection);
    await subscriptions.insertMany(subs.map((s) => s.record));
  });
  afterAll(async () => {
    await closeDb?.();
  });

  it('reads a cold burst once per batch, not once per request', async () => {
    const lookup = new SubscriptionLookup(subscriptions);
    const reads = jest.spyOn(subscriptions, 'find');
    try {
      // 400 requests arriving together, as a burst after a restart: 20 per subscription.
      const results = await Promise.all(
        Array.from({ length: 400 }, (_, i) => lookup.find([subs[i % subs.length]!.record._id])),
      );
      results.forEach((found, i) => {
        const { record } = subs[i % subs.length]!;
        expect(found.get(record._id)).toEqual({
          connectorId: record.connectorId,
          tenantId: record.tenantId,
          clientStateHash: record.clientStateHash,
        });
      });
      // The first miss reads at once; every miss that arrives meanwhile shares the next read.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
      await lookup.find(subs.map((s) => s.record._id));
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2); // all cached now
    } finally {
      reads.mockRestore();
    }
  });

  it('does not keep a miss: a subscription stored just after one is found at once', async () => {
    const lookup = new SubscriptionLookup(subscriptions);
    const late = makeSubscription();
    expect((await lookup.find([late.record._id])).size).toBe(0);
    await subscriptions.create(late.record);
    const second = await lookup.find([late.record._id]);
    expect(second.get(late.record._id)?.connectorId).toBe(late.record.connectorId);
  });

  it('loads every subscription on a cold miss, then reads only missing ids until the TTL', async () => {
    const lookup = new SubscriptionLookup(subscriptions, 60_000);
    const reads = jest.spyOn(subscriptions, 'find');
    try {
      await lookup.find([subs[0]!.record._id]);
      expect(reads.mock.calls.length).toBe(1);
      expect(reads.mock.calls[0]?.[0]).toEqual({});
      // Every other subscription came with that read: no read for them.
      const all = await lookup.find(subs.map((s) => s.record._id));
      expect(all.size).toBe(subs.length);
      expect(reads.mock.calls.length).toBe(1);
      // A new subscription is a miss: read by id, not another whole load.
      const fresh = makeSubscription();
      await subscriptions.create(fresh.record);
      expect((await lookup.find([fresh.record._id])).size).toBe(1);
      expect(reads.mock.calls.length).toBe(2);
      expect(reads.mock.calls[1]?.[0]).toEqual({ _id: { $in: [fresh.record._id] } });
    } finally {
      reads.mockRestore();
    }
  });

  it('reads only the missing ids when there are more subscriptions than it caches', async () => {
    const lookup = new SubscriptionLookup(subscriptions, 60_000, 5);
    const reads = jest.spyOn(subscriptions, 'find');
    try {
      const found = await lookup.find([subs[3]!.record._id]);
      expect(found.get(subs[3]!.record._id)?.connectorId).toBe(subs[3]!.record.connectorId);
      expect(found.size).toBe(1);
      await lookup.find([subs[4]!.record._id]);
      // The whole load (too big), its fallback by id, then by id only.
      expect(reads.mock.calls.map((c) => c[0])).toEqual([
        {},
        { _id: { $in: [subs[3]!.record._id] } },
        { _id: { $in: [subs[4]!.record._id] } },
      ]);
    } finally {
      reads.mockRestore();
    }
  });
});
