/**
 * What this instance knows about its own change notices, per connector: when its receiver last
 * persisted one, and whether its processor is working on the connector right now. Shared by the
 * receiver, the notification scheduler and the processor of one hub instance.
 *
 * - The processor waits for a burst to settle on `lastAt` first, without reading the database: a
 *   burst of hundreds of notifications per second would otherwise cost it a read every few
 *   hundred ms per connector, and on FerretDB (CI's database) each such read scans the notices of
 *   every connector. Notices received by other instances are still seen, by its one read per
 *   round.
 * - The scheduler queues no Agenda job for a connector whose processor is running here: the
 *   processor reads again before it stops whenever a notice was persisted after its last read
 *   began (see NotificationProcessor), so the notice is covered without an upsert into Agenda's
 *   collection, which at 500 notifications/s over 50 connectors was most of the database's work.
 *
 * Only hints for the instance's own work: an entry that is missing or pruned costs a read or an
 * Agenda upsert, never a change.
 */
export class NoticeActivity {
  private readonly last = new Map<string, number>();
  private readonly working = new Map<string, number>();

  constructor(
    /** Entries older than this are pruned (they no longer delay anything). */
    private readonly keepMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** The receiver persisted a notice for the connector (call after the write succeeded). */
  touch(connectorId: string, at = Date.now()): void {
    // Re-inserted so the map stays in time order: pruning stops at the first recent entry.
    this.last.delete(connectorId);
    this.last.set(connectorId, at);
    if (this.last.size > this.maxEntries) this.prune(at);
  }

  lastAt(connectorId: string): number | undefined {
    return this.last.get(connectorId);
  }

  /** The processor starts working on the connector; pair with `end`. */
  begin(connectorId: string): void {
    this.working.set(connectorId, (this.working.get(connectorId) ?? 0) + 1);
  }

  end(connectorId: string): void {
    const left = (this.working.get(connectorId) ?? 1) - 1;
    if (left > 0) this.working.set(connectorId, left);
    else this.working.delete(connectorId);
  }

  processing(connectorId: string): boolean {
    return this.working.has(connectorId);
  }

  private prune(now: number): void {
    for (const [connectorId, at] of this.last) {
      if (now - at < this.keepMs && this.last.size <= this.maxEntries) return;
      this.last.delete(connectorId);
    }
  }
}
