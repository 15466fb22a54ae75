import { describe, expect, it } from '@jest/globals';
import { MemoryEventBus } from '../../src/events/memory-event-bus.js';

describe('MemoryEventBus', () => {
  it('delivers copies to matching subscribers only and drops the oldest for a stalled reader', async () => {
    const bus = new MemoryEventBus<{ T: { n: number } }>();
    const all = bus.subscribe('T');
    const odd = bus.subscribe('T', (p) => p.n % 2 === 1);
    const payload = { n: 1 };
    await bus.publish('T', payload);
    await bus.publish('T', { n: 2 });
    payload.n = 99;
    expect((await all.next()).value).toEqual({ n: 1 });
    expect((await all.next()).value).toEqual({ n: 2 });
    expect((await odd.next()).value).toEqual({ n: 1 });
    await bus.close();
    expect((await odd.next()).done).toBe(true);
  });
});
