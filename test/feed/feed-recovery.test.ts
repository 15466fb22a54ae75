/**
 * The outbox's crash window, built on purpose: a writer staged its entries and died before
 * committing, with some of its writes done and some not. The next writer (under the same lock)
 * keeps exactly the entries whose writes reached the directory, and only the memberships that
 * took effect; readers never saw the staged entries in between.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import {
  groupMemberDoc,
  groupMemberKey,
} from '../../src/db/models/directory-group-member.model.js';
import { ChangeAction, ChangeObjectType } from '../../src/domain/change.js';
import { DirectoryEventType } from '../../src/domain/directory-event.js';
import {
  DirectoryUserStatus,
  ManagedBy,
  emailKeyOf,
  entraKeyOf,
} from '../../src/domain/directory.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { readFeed } from './feed-model.js';

let h: TestHub;
const companyId = new Types.ObjectId().toHexString();

beforeAll(async () => {
  h = await startTestHub();
});
afterAll(() => h.stop());

async function user(entraId: string) {
  const doc = await h.infra.models.DirectoryUser.create({
    companyId,
    entraId,
    entraKey: entraKeyOf(companyId, entraId),
    email: `${entraId}@example.com`,
    emailKey: emailKeyOf(companyId, `${entraId}@example.com`),
    displayName: entraId,
    status: DirectoryUserStatus.ACTIVE,
  });
  return doc._id.toHexString();
}

const disable = (entraId: string, id: string) => ({
  objectType: ChangeObjectType.USER,
  objectId: entraId,
  label: `${entraId}@example.com`,
  action: ChangeAction.DISABLE,
  rule: 'userRemovedFromGroup',
  before: { status: 'ACTIVE' },
  after: { status: 'DISABLED', statusReason: 'REMOVED_FROM_GROUP' },
  write: { kind: 'updateUser', id },
});

describe('feed recovery after a writer died between stage and commit', () => {
  it('keeps what reached the directory, drops the rest, trims membership events', async () => {
    const [a, b] = [await user('user-a'), await user('user-b')];
    const group = await h.infra.models.DirectoryGroup.create({
      companyId,
      entraId: 'group-1',
      entraKey: entraKeyOf(companyId, 'group-1'),
      name: 'Group 1',
      memberCount: 1,
      managedBy: ManagedBy.AZURE_AD,
      connectorId: 'c1',
    });
    await h.infra.models.DirectoryGroupMember.insertMany([
      groupMemberDoc(companyId, 'group-1', 'member-gone', true),
      groupMemberDoc(companyId, 'group-1', 'member-left', true),
    ]);
    const context = { companyId, connectorId: 'c1', runId: 'dead-run' };
    const dead = h.infra.feed.writer(context);
    await (await dead.stageChanges([disable('user-a', a), disable('user-b', b)])).commit();
    const committed = (await readFeed(h.infra.feed, companyId)).length;

    // The dead run's last batch: staged, half written, never committed.
    await dead.stageChanges([disable('user-a', a), disable('user-b', b)]);
    await dead.stageMemberChanges([
      {
        group: { entraId: 'group-1', name: 'Group 1', id: group._id.toHexString(), managed: true },
        added: ['member-new', 'member-never'],
        removed: ['member-gone', 'member-left'],
      },
    ]);
    await h.infra.models.DirectoryUser.updateOne(
      { _id: a },
      { $set: { status: 'DELETED', statusReason: 'REMOVED_FROM_GROUP' } },
    );
    await h.infra.models.DirectoryUser.updateOne(
      { _id: b },
      { $set: { status: 'DISABLED', statusReason: 'REMOVED_FROM_GROUP' } },
    );
    await h.infra.models.DirectoryGroupMember.insertMany([
      groupMemberDoc(companyId, 'group-1', 'member-new', true),
    ]);
    await h.infra.models.DirectoryGroupMember.deleteOne({
      _id: groupMemberKey(companyId, 'group-1', 'member-gone'),
    });
    // Readers stop at the watermark: nothing staged is visible.
    expect(await readFeed(h.infra.feed, companyId)).toHaveLength(committed);

    const next = h.infra.feed.writer({ ...context, runId: 'next-run' });
    const outcome = await next.recover();
    expect(outcome).toMatchObject({ pending: 3, dropped: 1 });
    const visible = (await readFeed(h.infra.feed, companyId)).slice(committed);
    // user-a's disable did not happen (it shows DELETED); user-b's did.
    expect(visible.map((r) => [r.type, r.entraId])).toEqual([
      [DirectoryEventType.USER_DISABLED, 'user-b'],
      [DirectoryEventType.GROUP_MEMBERS_CHANGED, 'group-1'],
    ]);
    expect(visible[1]!.members).toEqual({ added: ['member-new'], removed: ['member-gone'] });
    // The next writer continues after the resolved entries, with no gap and no reuse.
    await (await next.stageChanges([disable('user-a', a)])).commit();
    const all = await readFeed(h.infra.feed, companyId);
    expect(all.map((r) => r.seq)).toEqual([1, 2, 4, 5, 6]);
  });
});

describe('batches written concurrently (selected groups are listed in parallel)', () => {
  it('makes a batch visible only once every batch numbered before it is written', async () => {
    const company = new Types.ObjectId().toHexString();
    const writer = h.infra.feed.writer({ companyId: company, connectorId: 'c2', runId: 'run-2' });
    const group = (entraId: string) => ({ entraId, name: entraId, id: null, managed: true });
    const first = await writer.stageMemberChanges([
      { group: group('group-a'), added: ['u1'], removed: [] },
    ]);
    const second = await writer.stageMemberChanges([
      { group: group('group-b'), added: ['u2'], removed: [] },
    ]);

    // The later batch's writes finish first: the earlier one is still being written.
    await second.commit();
    expect(await readFeed(h.infra.feed, company)).toHaveLength(0);
    await first.commit();
    expect((await readFeed(h.infra.feed, company)).map((r) => r.entraId)).toEqual([
      'group-a',
      'group-b',
    ]);
  });
});
