/**
 * How feed entries are stored: the fields that are filtered or changed after the insert stay
 * fields, the rest of an entry is one binary; entries stored as plain fields (before packing)
 * read the same; a recovered members list and `dropped` apply on top of the body.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Binary } from 'mongodb';
import { Types } from 'mongoose';
import { feedEntryId, type FeedEntryDoc } from '../../src/db/models/feed-entry.model.js';
import { DirectoryEventType } from '../../src/domain/directory-event.js';
import type { FeedEventDraft } from '../../src/feed/feed-events.js';
import { FeedStore } from '../../src/feed/feed-store.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let h: TestHub;

beforeAll(async () => {
  h = await startTestHub();
});
afterAll(() => h.stop());

const userDraft = (entraId: string): FeedEventDraft => ({
  type: DirectoryEventType.USER_CREATED,
  objectType: 'USER',
  objectId: null,
  entraId,
  label: `${entraId}@contoso.example`,
  rule: 'userAdded',
  members: null,
  before: null,
  after: { email: `${entraId}@contoso.example`, displayName: 'Zoë "Q" 日本', status: 'ACTIVE' },
  check: { kind: 'user', id: null, entraKey: `c:${entraId}`, fields: { status: 'ACTIVE' } },
});

describe('feed entries in the database', () => {
  it('keeps _id, companyId, seq as fields and the rest as one binary, read back whole', async () => {
    const store = new FeedStore(h.infra.models.FeedEntry, h.infra.models.FeedHead);
    const companyId = new Types.ObjectId().toHexString();
    const at = new Date('2026-12-06T05:00:00.123Z');
    const written = await store.insert(
      companyId,
      { connectorId: 'conn-1', runId: null },
      [userDraft('u1'), userDraft('u2')],
      1,
      at,
    );

    const raw = await h.infra.models.FeedEntry.collection.findOne({
      _id: feedEntryId(companyId, 1) as never,
    });
    expect(Object.keys(raw!).sort()).toEqual(['_id', 'body', 'companyId', 'seq']);
    expect(raw!['body']).toBeInstanceOf(Binary);

    const read = await store.range(companyId, 1, 2);
    expect(read).toEqual(written);
    expect(read[0]!.occurredAt).toBeInstanceOf(Date);
    expect(read[0]!.occurredAt.getTime()).toBe(at.getTime());
    expect(read[1]!.runId).toBeNull();
  });

  it('reads an entry stored as plain fields as it was written', async () => {
    const store = new FeedStore(h.infra.models.FeedEntry, h.infra.models.FeedHead);
    const companyId = new Types.ObjectId().toHexString();
    const plain: FeedEntryDoc = {
      ...userDraft('old'),
      _id: feedEntryId(companyId, 1),
      companyId,
      seq: 1,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      connectorId: 'conn-1',
      runId: 'run-1',
    };
    await h.infra.models.FeedEntry.collection.insertOne(plain as never);
    await store.insert(
      companyId,
      { connectorId: 'conn-1', runId: 'run-2' },
      [userDraft('new')],
      2,
      new Date(),
    );

    const read = await store.range(companyId, 1, 2);
    expect(read.map((e) => [e.seq, e.entraId, e.runId])).toEqual([
      [1, 'old', 'run-1'],
      [2, 'new', 'run-2'],
    ]);
    expect(read[0]).toEqual(plain);
  });

  it('applies recovered members and dropped on top of the packed body', async () => {
    const store = new FeedStore(h.infra.models.FeedEntry, h.infra.models.FeedHead);
    const companyId = new Types.ObjectId().toHexString();
    const draft: FeedEventDraft = {
      ...userDraft('g1'),
      type: DirectoryEventType.GROUP_MEMBERS_CHANGED,
      objectType: 'GROUP',
      members: { added: ['u1', 'u2'], removed: ['u3'] },
      check: { kind: 'members', companyId, groupId: 'g1', managedGroupKey: null },
    };
    await store.insert(
      companyId,
      { connectorId: null, runId: null },
      [draft, draft],
      1,
      new Date(),
    );

    await store.setMembers(feedEntryId(companyId, 1), { added: ['u2'], removed: [] });
    await store.markDropped([feedEntryId(companyId, 2)]);

    const [first, second] = await store.range(companyId, 1, 2);
    expect(first!.members).toEqual({ added: ['u2'], removed: [] });
    expect(first!.dropped).toBeUndefined();
    expect(second!.members).toEqual({ added: ['u1', 'u2'], removed: ['u3'] });
    expect(second!.dropped).toBe(true);
  });
});
