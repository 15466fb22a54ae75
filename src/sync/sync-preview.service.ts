import { SyncMode, type ConnectorRegistry } from '../domain/connector.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import type { SyncRunner } from './run/sync-runner.js';
import type { SyncRunCounts } from '../domain/sync-run.js';
import type { ChangeEntry } from '../domain/change.js';

export interface SyncPreview {
  changes: ChangeEntry[];
  counts: SyncRunCounts;
  notes: string[];
  graphRequests: number;
}

/** previewSync: a full read and plan, with the rule behind each change; nothing is written. */
export class SyncPreviewService {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly runner: SyncRunner,
  ) {}

  async preview(connectorId: string): Promise<SyncPreview> {
    const config = await this.registry.loadSyncConfig(connectorId);
    if (!config) {
      throw new AppError(
        ErrorCode.CONFLICT,
        'The connector is not active: activate it before previewing a sync',
      );
    }
    const usage = { requests: 0, resourceUnits: 0, throttled: 0 };
    const outcome = await this.runner.run({
      runId: 'preview',
      config,
      mode: SyncMode.FULL,
      preview: true,
      usage,
    });
    return {
      changes: outcome.entries,
      counts: outcome.counts,
      notes: outcome.notes,
      graphRequests: usage.requests,
    };
  }
}
