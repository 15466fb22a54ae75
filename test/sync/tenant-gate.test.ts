import { describe, expect, it } from '@jest/globals';
import { TenantGate } from '../../src/integrations/entra/tenant-gate.js';

/** Blocks the event loop: lets a pause lapse before any timer that waits for it can fire. */
function busyWaitUntil(at: number): void {
  while (Date.now() <= at) {
    // spin
  }
}

describe('TenantGate', () => {
  it('a request waking from one pause honours a pause set meanwhile (its idle slot was dropped)', async () => {
    const gate = new TenantGate(4);
    const releaseA = await gate.acquire('t');
    gate.pause('t', 30);
    const pausedUntil = Date.now() + 30;
    let acquiredAt = 0;
    const b = gate.acquire('t').then((release) => {
      acquiredAt = Date.now();
      return release;
    });
    // Before B's timer fires: the first pause lapses, A ends (the idle slot goes), and another
    // request's 429 pauses the tenant again.
    busyWaitUntil(pausedUntil + 5);
    releaseA();
    const secondPauseAt = Date.now();
    gate.pause('t', 400);
    (await b)();
    expect(acquiredAt - secondPauseAt).toBeGreaterThanOrEqual(400);
  });

  it('keeps the concurrency bound when the last holder hands its turn to a waiter', async () => {
    const gate = new TenantGate(1);
    const releaseA = await gate.acquire('t');
    const b = gate.acquire('t');
    // A ends and hands the turn to B; the slot is idle for a moment and may be dropped.
    releaseA();
    const releaseB = await b;
    let cAcquired = false;
    const c = gate.acquire('t').then((release) => {
      cAcquired = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cAcquired).toBe(false);
    releaseB();
    (await c)();
    expect(cAcquired).toBe(true);
  });
});
