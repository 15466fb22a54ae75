import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChangeAction, ChangeState } from '../../src/domain/change.js';
import { ManagedBy } from '../../src/domain/directory.js';
import { guardDeprovisions } from '../../src/sync/guard/mass-change-guard.js';
import {
  MEMBER_SAMPLE,
  emptyTally,
  planGroup,
  tallyMember,
  type ExistingGroup,
  type GroupTally,
} from '../../src/sync/plan/group-planner.js';
import type { PlannedChange } from '../../src/sync/plan/plan.types.js';
import { GuidSet } from '../../src/sync/state/guid-set.js';
import { CONNECTOR, makeGroup, makeRules } from '../builders/directory.js';

const GROUP = '10000000-0000-0000-0000-000000000001';

function tally(before: number, added: string[], removed: string[], name = 'Engineering') {
  const t = emptyTally(GROUP, name, before);
  for (const id of added) tallyMember(t, id, true);
  for (const id of removed) tallyMember(t, id, false);
  return t;
}

interface Case {
  name: string;
  tally: GroupTally;
  existing: ExistingGroup | null;
  expect: { action: ChangeAction; write: string; before?: unknown; after?: unknown } | null;
}

const cases: Case[] = [
  {
    name: 'a group with members in scope is created',
    tally: tally(0, ['a', 'b'], []),
    existing: null,
    expect: {
      action: ChangeAction.GROUP_CREATE,
      write: 'insertGroup',
      before: null,
      after: { name: 'Engineering', members: 2 },
    },
  },
  {
    name: 'a group without members in scope is not created',
    tally: tally(0, [], []),
    existing: null,
    expect: null,
  },
  {
    name: 'a released group with members again is adopted back',
    tally: tally(0, ['a'], []),
    existing: makeGroup({ entraId: GROUP, managedBy: null, connectorId: null }),
    expect: {
      action: ChangeAction.GROUP_CREATE,
      write: 'updateGroup',
      before: { managedBy: null },
      after: { name: 'Engineering', members: 1 },
    },
  },
  {
    name: 'a renamed group is renamed in place',
    tally: tally(3, [], [], 'Platform'),
    existing: makeGroup({ entraId: GROUP, memberCount: 3 }),
    expect: {
      action: ChangeAction.GROUP_UPDATE,
      write: 'updateGroup',
      before: { name: 'Engineering' },
      after: { name: 'Platform' },
    },
  },
  {
    name: 'members in and out: counts and ids in the log',
    tally: tally(3, ['d'], ['a', 'b']),
    existing: makeGroup({ entraId: GROUP, memberCount: 3 }),
    expect: {
      action: ChangeAction.GROUP_UPDATE,
      write: 'updateGroup',
      before: { members: 3 },
      after: {
        members: 2,
        membersAdded: ['d'],
        membersRemoved: ['a', 'b'],
        membersAddedCount: 1,
        membersRemovedCount: 2,
      },
    },
  },
  {
    name: 'nothing changed: no change',
    tally: tally(3, [], []),
    existing: makeGroup({ entraId: GROUP, memberCount: 3 }),
    expect: null,
  },
  {
    name: 'only the stored count was off: corrected silently',
    tally: { ...tally(3, [], []), membersAfter: 4 },
    existing: makeGroup({ entraId: GROUP, memberCount: 3 }),
    expect: { action: ChangeAction.GROUP_UPDATE, write: 'updateGroup', before: null, after: null },
  },
  {
    name: 'a deselected or deleted group is released',
    tally: { ...tally(3, [], []), gone: true },
    existing: makeGroup({ entraId: GROUP, memberCount: 3 }),
    expect: {
      action: ChangeAction.GROUP_REMOVE,
      write: 'releaseGroup',
      before: { managedBy: ManagedBy.AZURE_AD },
      after: { managedBy: null },
    },
  },
  {
    name: 'a gone group that was never created: nothing',
    tally: { ...tally(0, [], []), gone: true },
    existing: null,
    expect: null,
  },
];

describe('planGroup', () => {
  it.each(cases)('$name', (c) => {
    const change = planGroup(c.tally, c.existing, CONNECTOR);
    if (c.expect === null) {
      expect(change).toBeNull();
      return;
    }
    expect(change).toMatchObject({
      action: c.expect.action,
      write: { kind: c.expect.write },
      before: c.expect.before,
    });
    if (c.expect.after === null) expect(change?.after).toBeNull();
    else expect(change?.after).toMatchObject(c.expect.after as object);
  });

  it('lists at most MEMBER_SAMPLE ids and counts them all', () => {
    const ids = Array.from({ length: MEMBER_SAMPLE + 50 }, (_, i) => `u${i}`);
    const change = planGroup(
      tally(0, ids, []),
      makeGroup({ entraId: GROUP, memberCount: 0 }),
      CONNECTOR,
    );
    expect((change?.after?.['membersAdded'] as string[]).length).toBe(MEMBER_SAMPLE);
    expect(change?.after?.['membersAddedCount']).toBe(MEMBER_SAMPLE + 50);
  });
});

describe('the mass-change guard', () => {
  const changes = (n: number) =>
    Array.from({ length: n }, () => ({ deprovision: true }) as PlannedChange);
  it.each([
    { n: 0, complete: true, managed: 10, expected: ChangeState.APPLIED },
    { n: 25, complete: true, managed: 100, expected: ChangeState.APPLIED },
    { n: 26, complete: true, managed: 100, expected: ChangeState.STAGED },
    { n: 100, complete: true, managed: 1_000, expected: ChangeState.APPLIED },
    { n: 101, complete: true, managed: 1_000, expected: ChangeState.STAGED },
    { n: 1, complete: false, managed: 100, expected: ChangeState.SKIPPED },
  ])(
    '$n of $managed managed, complete $complete: $expected',
    ({ n, complete, managed, expected }) => {
      expect(
        guardDeprovisions({
          deprovisions: changes(n),
          complete,
          rules: makeRules(),
          managedUsers: managed,
        }),
      ).toBe(expected);
    },
  );
});

describe('GuidSet', () => {
  it('holds GUIDs in any case, grows, and keeps other ids apart', () => {
    const set = new GuidSet(4);
    const ids = Array.from(
      { length: 5_000 },
      (_, i) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(11)}${i % 10}`,
    );
    for (const id of ids) set.add(id);
    set.add(ids[0]!.toUpperCase());
    set.add('not-a-guid');
    expect(set.size).toBe(5_001);
    expect(ids.every((id) => set.has(id))).toBe(true);
    expect(set.has(ids[7]!.toUpperCase())).toBe(true);
    expect(set.has('not-a-guid')).toBe(true);
    expect(set.has('ffffffff-0000-4000-8000-000000000000')).toBe(false);
    // Listed back in lowercase, each once, the other ids as they were.
    expect([...set].sort()).toEqual([...ids, 'not-a-guid'].sort());
    expect(set.has('other')).toBe(false);
  });

  it('lists random GUIDs back exactly and keeps 36-character non-GUIDs as they are', () => {
    const set = new GuidSet();
    const guids = Array.from({ length: 2_000 }, () => randomUUID());
    const odd = [
      '0000000g-0000-4000-8000-000000000000',
      '00000000-00000-400-8000-000000000000',
      '00000000-0000-4000-8000-00000000000é',
      '00000000-0000-4000-8000+000000000000',
    ];
    for (const id of [...guids, ...odd]) set.add(id);
    expect(set.size).toBe(2_004);
    expect([...set].sort()).toEqual([...guids, ...odd].sort());
    expect(set.has('00000000-0000-4000-8000-000000000000')).toBe(false);
  });
});
