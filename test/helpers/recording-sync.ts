import type { SyncMode, SyncRequester, SyncTrigger } from '../../src/domain/connector.js';

/** A SyncRequester that records every request (and can be slowed down). */
export class RecordingSyncRequester implements SyncRequester {
  readonly requests: { connectorId: string; trigger: SyncTrigger; mode?: SyncMode; at: number }[] =
    [];
  delayMs = 0;
  failWith: Error | undefined;

  async requestSync(
    connectorId: string,
    trigger: SyncTrigger,
    options?: { mode?: SyncMode },
  ): Promise<{ runId: string }> {
    this.requests.push({
      connectorId,
      trigger,
      ...(options?.mode ? { mode: options.mode } : {}),
      at: Date.now(),
    });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith) throw this.failWith;
    return { runId: `run-${this.requests.length}` };
  }

  for(connectorId: string): number {
    return this.requests.filter((r) => r.connectorId === connectorId).length;
  }
}
