import { describe, expect, it } from '@jest/globals';
import { Fanout, type EventPosition } from '../../src/events/fanout.js';

/** What a subscription yields once its bus is done: everything it was handed. */
async function yielded(iterator: AsyncIterableIterator<{ n: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const event of iterator) out.push(event.n);
  return out;
}

/** Lets the start position's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const SINCE = 1_000_000;
const at = (seq: number, publishedAt: number): EventPosition => ({ seq, publishedAt });

describe('Fanout start positions', () => {
  // The subscription is made at SINCE; its bus then reads the last sequence number taken: 10.
  const cases: { name: string; position: EventPosition; delivered: boolean }[] = [
    { name: 'taken after the read', position: at(11, SINCE - 5_000), delivered: true },
    { name: 'before the read, published after', position: at(10, SINCE + 3), delivered: true },
    { name: 'before the read, same millisecond', position: at(9, SINCE), delivered: true },
    { name: 'published before the subscription', position: at(10, SINCE - 1), delivered: false },
    { name: 'read 16 s late', position: at(4, SINCE - 16_000), delivered: false },
  ];

  for (const { name, position, delivered } of cases) {
    it(`${delivered ? 'delivers' : 'drops'} an event ${name}`, async () => {
      // The event may reach the bus before or after the bus has read the start position.
      for (const readFirst of [true, false]) {
        const fanout = new Fanout(100, () => SINCE);
        let read!: (after: number) => void;
        const start = new Promise<number>((resolve) => (read = resolve));
        const sub = fanout.open<{ n: number }>('T', undefined, false, start);
        if (readFirst) read(10);
        await settle();
        fanout.deliver('T', { n: 1 }, position);
        read(10);
        await settle();
        fanout.endAll();
        expect(await yielded(sub)).toEqual(delivered ? [1] : []);
      }
    });
  }

  it('leaves the decision to the clock when the position could not be read', async () => {
    const fanout = new Fanout(100, () => SINCE);
    const sub = fanout.open<{ n: number }>('T', undefined, false, Promise.resolve(Infinity));
    await settle();
    fanout.deliver('T', { n: 1 }, at(50, SINCE - 1));
    fanout.deliver('T', { n: 2 }, at(51, SINCE));
    fanout.endAll();
    expect(await yielded(sub)).toEqual([2]);
  });

  it('keeps order and filters while the position is being read; events without one go at once', async () => {
    const fanout = new Fanout(100, () => SINCE);
    let read!: (after: number) => void;
    const start = new Promise<number>((resolve) => (read = resolve));
    const odd = fanout.open<{ n: number }>('T', (p) => p.n % 2 === 1, false, start);
    const plain = fanout.open<{ n: number }>('T', undefined, false);
    const gone = fanout.open<{ n: number }>('T', undefined, false);
    expect(fanout.subscriberCount('T')).toBe(3);
    await gone.return!();
    expect(fanout.subscriberCount('T')).toBe(2);
    for (let n = 1; n <= 6; n++) fanout.deliver('T', { n }, at(n, SINCE - 10 + n * 3));
    fanout.deliver('T', { n: 7 });
    read(2);
    await settle();
    fanout.endAll();
    // 1 is at or below the position and published before SINCE; 3, 5 and 7 are after it.
    expect(await yielded(odd)).toEqual([3, 5, 7]);
    expect(await yielded(plain)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await yielded(gone)).toEqual([]);
  });
});
