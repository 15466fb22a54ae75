/**
 * What a planned user change becomes in the feed: the fields a subscriber sees (never the hub's
 * bookkeeping: Entra facts, lookup keys) and the plain values a recovering run compares.
 */
import { describe, expect, it } from '@jest/globals';
import { ChangeAction, ChangeObjectType } from '../../src/domain/change.js';
import { DirectoryEventType } from '../../src/domain/directory-event.js';
import { draftOf, type FeedChangeInput } from '../../src/feed/feed-events.js';

const change = (
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): FeedChangeInput => ({
  objectType: ChangeObjectType.USER,
  objectId: 'entra-1',
  label: 'ada@contoso.example',
  action: ChangeAction.UPDATE,
  rule: 'attributesChanged',
  before,
  after,
  write: { kind: 'updateUser', id: 'user-1' },
});

describe('a user change as a feed event', () => {
  it('leaves out the internal fields, and keeps only plain values for the check', () => {
    const draft = draftOf(
      'company-1',
      change(
        { displayName: 'Ada', emailKey: 'company-1:ada@contoso.example' },
        {
          displayName: 'Ada Lovelace',
          entra: { inScope: true, enabled: true, deleted: false, guest: false },
          entraKey: 'company-1:entra-1',
          disabledAt: new Date('2026-12-06T00:00:00Z'),
          statusReason: null,
        },
      ),
    );
    expect(draft).toMatchObject({
      type: DirectoryEventType.USER_UPDATED,
      objectId: 'user-1',
      before: { displayName: 'Ada' },
      after: {
        displayName: 'Ada Lovelace',
        disabledAt: new Date('2026-12-06T00:00:00Z'),
        statusReason: null,
      },
      check: {
        kind: 'user',
        id: 'user-1',
        entraKey: 'company-1:entra-1',
        fields: { displayName: 'Ada Lovelace', statusReason: null },
      },
    });
    expect(Object.keys(draft!.before!)).toEqual(['displayName']);
    expect(Object.keys(draft!.after!).sort()).toEqual([
      'disabledAt',
      'displayName',
      'statusReason',
    ]);
  });

  it('has no side left when only internal fields changed', () => {
    const draft = draftOf('company-1', change({ emailKey: 'a' }, { displayName: 'Ada' }));
    expect(draft!.before).toBeNull();
    expect(draft!.after).toEqual({ displayName: 'Ada' });
  });
});
