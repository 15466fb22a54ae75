/**
 * Bounded Graph concurrency per tenant, shared by every run in this hub instance. Graph throttles
 * per app and tenant, so a 429's Retry-After pauses the whole tenant, not just the request that
 * got it.
 */
export class TenantGate {
  private readonly tenants = new Map<string, TenantSlot>();

  constructor(private readonly maxConcurrency: number) {}

  async acquire(tenantId: string): Promise<() => void> {
    let slot: TenantSlot;
    for (;;) {
      // Looked up again after every wait: an idle slot is dropped, and a later pause (another
      // request's 429) or holder lives on its successor, which this request must obey too.
      slot = this.slot(tenantId);
      const wait = slot.pausedUntil - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      if (slot.active < this.maxConcurrency) break;
      const full = slot;
      await new Promise<void>((resolve) => full.waiters.push(resolve));
    }
    const held = slot;
    held.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.active -= 1;
      held.waiters.shift()?.();
      if (
        held.active === 0 &&
        held.waiters.length === 0 &&
        held.pausedUntil <= Date.now() &&
        this.tenants.get(tenantId) === held
      ) {
        this.tenants.delete(tenantId);
      }
    };
  }

  /** Every request of the tenant waits until `until` (a 429's Retry-After). */
  pause(tenantId: string, ms: number): void {
    const slot = this.slot(tenantId);
    slot.pausedUntil = Math.max(slot.pausedUntil, Date.now() + ms);
  }

  private slot(tenantId: string): TenantSlot {
    let slot = this.tenants.get(tenantId);
    if (!slot) {
      slot = { active: 0, waiters: [], pausedUntil: 0 };
      this.tenants.set(tenantId, slot);
    }
    return slot;
  }
}

interface TenantSlot {
  active: number;
  waiters: (() => void)[];
  pausedUntil: number;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
