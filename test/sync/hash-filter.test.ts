import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { HashFilter } from '../../src/sync/state/hash-filter.js';

describe('HashFilter', () => {
  it('says maybe for every string added and rarely for others, growing as it fills', () => {
    const filter = new HashFilter();
    const added = Array.from({ length: 100_000 }, () => `c1:${randomUUID()}@contoso.example`);
    for (const text of added) filter.add(text);
    filter.add(added[0]!);
    expect(added.every((text) => filter.mayHave(text))).toBe(true);
    const others = Array.from({ length: 100_000 }, () => `c1:${randomUUID()}@contoso.example`);
    // About 100,000 / 2^32 of them share a hash with an added one: expected 2.3 of 100,000.
    expect(others.filter((text) => filter.mayHave(text)).length).toBeLessThan(50);
    expect(new HashFilter().mayHave('')).toBe(false);
  });
});
