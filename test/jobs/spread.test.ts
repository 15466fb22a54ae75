import { describe, expect, it } from '@jest/globals';
import { isDueInWindow, offsetWithin } from '../../src/jobs/spread.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `connector-${i}`);
const MINUTE = 60_000;

describe('spreading connectors over an interval', () => {
  it('gives each connector a stable offset, evenly spread over the interval', () => {
    expect(offsetWithin('c1', MINUTE, 'poll')).toBe(offsetWithin('c1', MINUTE, 'poll'));
    expect(offsetWithin('c1', MINUTE, 'poll')).not.toBe(offsetWithin('c1', MINUTE, 'reconcile'));
    const perSlice = new Array<number>(12).fill(0);
    for (const id of ids) perSlice[Math.floor(offsetWithin(id, MINUTE, 'poll') / 5_000)]! += 1;
    const mean = ids.length / 12;
    for (const count of perSlice) expect(Math.abs(count - mean)).toBeLessThan(mean * 0.15);
  });

  it('makes every connector due exactly once per interval, whatever the tick boundaries', () => {
    const offsets = ids.slice(0, 2_000).map((id) => offsetWithin(id, MINUTE, 'poll'));
    const start = 1_700_000_123_457;
    const boundaries = [start];
    while (boundaries.at(-1)! < start + MINUTE) {
      boundaries.push(
        Math.min(boundaries.at(-1)! + 1 + Math.floor(Math.random() * 9_000), start + MINUTE),
      );
    }
    const dueCount = offsets.map(() => 0);
    for (let i = 1; i < boundaries.length; i++) {
      offsets.forEach((offset, j) => {
        if (isDueInWindow(offset, boundaries[i - 1]!, boundaries[i]!, MINUTE)) dueCount[j]! += 1;
      });
    }
    expect(new Set(dueCount)).toEqual(new Set([1]));
  });

  it('treats a window of a whole interval as "everyone" and an empty one as "no one"', () => {
    expect(isDueInWindow(5, 0, MINUTE, MINUTE)).toBe(true);
    expect(isDueInWindow(5, 1_000, 1_000, MINUTE)).toBe(false);
  });
});
