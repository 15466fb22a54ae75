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
    const first = lookup.find([late.record._id]);
    await subscriptions.create(late.record);
    const second = await lookup.find([late.record._id]);
    expect((await first).size).toBe(0);
    expect(second.get(late.record._id)?.connectorId).toBe(late.record.connectorId);
  });
});
