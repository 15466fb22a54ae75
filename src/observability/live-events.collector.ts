import type { Logger } from 'pino';
import { LiveTopic, type LiveEvents } from '../events/live-events.js';
import type { HubMetrics } from './hub-metrics.js';

const ENDED = new Set(['SUCCEEDED', 'PARTIAL', 'NEEDS_APPROVAL', 'FAILED', 'CANCELLED']);
const ACTIVE = new Set(['QUEUED', 'RUNNING']);
/** Runs remembered for de-duplication (progress events repeat a status many times). */
const REMEMBERED_RUNS = 10_000;

/**
 * Sync run and connector status metrics from the live events the API already publishes for its
 * subscriptions (SYNC_RUN_UPDATED, CONNECTOR_STATUS_CHANGED). Reads the run fields the sync
 * engine documents (status, trigger, mode, startedAt/requestedAt, finishedAt) and ignores any
 * it does not find. With PUBSUB_MODE=mongo every instance sees every run: aggregate these
 * counters with max() across instances, not sum().
 */
export function collectLiveEvents(
  metrics: HubMetrics,
  live: LiveEvents,
  logger: Logger,
  /**
   * Reads the run when an event carries only ids (the sync engine publishes "run X changed"):
   * one read in flight per run, and one more if events arrived meanwhile.
   */
  loadRun?: (runId: string) => Promise<Record<string, unknown> | null>,
): () => Promise<void> {
  const tracker = new RunTracker(metrics);
  const onRun = (event: Record<string, unknown>) => tracker.observe(event);
  const loading = new Map<string, { again: boolean }>();
  const reads = new Set<Promise<void>>();
  const runEvents = live.subscribe(LiveTopic.SYNC_RUN_UPDATED);
  const statusEvents = live.subscribe(LiveTopic.CONNECTOR_STATUS_CHANGED);

  const onRunEvent = (event: Record<string, unknown>) => {
    if (typeof event['status'] === 'string' || !loadRun) {
      onRun(event);
      return;
    }
    const runId = String(event['runId']);
    const inFlight = loading.get(runId);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    const state = { again: false };
    loading.set(runId, state);
    const read = (async () => {
      try {
        do {
          state.again = false;
          const run = await loadRun(runId);
          if (run) onRun({ ...run, runId });
        } while (state.again);
      } catch (error) {
        logger.debug({ err: error, runId }, 'metrics: sync run not read');
      } finally {
        loading.delete(runId);
      }
    })();
    reads.add(read);
    void read.finally(() => reads.delete(read));
  };

  const consume = async <T extends Record<string, unknown>>(
    events: AsyncIterableIterator<T>,
    handle: (event: T) => void,
  ) => {
    try {
      for await (const event of events) handle(event);
    } catch (error) {
      logger.warn({ err: error }, 'metrics stopped following live events');
    }
  };
  const done = Promise.all([
    consume(runEvents, onRunEvent),
    consume(statusEvents, (event) => {
      metrics.connectorStatusChanges.inc({ status: event.status });
    }),
  ]);
  return async () => {
    await runEvents.return?.();
    await statusEvents.return?.();
    await done;
    await Promise.all([...reads]);
  };
}

/** Counts each run once when it starts and once when it ends, whatever events repeat. */
class RunTracker {
  /** Each run's last status, oldest first (bounded: REMEMBERED_RUNS). */
  private readonly runs = new Map<string, string>();
  private readonly active = new Set<string>();

  constructor(private readonly metrics: HubMetrics) {}

  observe(event: Record<string, unknown>): void {
    const { metrics, runs, active } = this;
    const runId = String(event['runId']);
    const status = typeof event['status'] === 'string' ? event['status'] : null;
    if (!status || runs.get(runId) === status) return;
    const first = !runs.has(runId);
    runs.delete(runId);
    runs.set(runId, status);
    if (runs.size > REMEMBERED_RUNS) runs.delete(runs.keys().next().value!);
    const trigger = typeof event['trigger'] === 'string' ? event['trigger'] : 'UNKNOWN';
    if (first) metrics.syncRunsStarted.inc({ trigger });
    if (ACTIVE.has(status)) {
      active.add(runId);
    } else if (ENDED.has(status)) {
      active.delete(runId);
      metrics.syncRuns.inc({ status, trigger });
      const started = toTime(event['startedAt']) ?? toTime(event['requestedAt']);
      const finished = toTime(event['finishedAt']);
      if (started !== null && finished !== null && finished >= started) {
        const mode = typeof event['mode'] === 'string' ? event['mode'] : 'UNKNOWN';
        metrics.syncRunDuration.observe({ mode, status }, (finished - started) / 1000);
      }
    }
    metrics.syncRunsInProgress.set(active.size);
  }
}

function toTime(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'number') {
    const time = new Date(value).getTime();
    return Number.isNaN(time) ? null : time;
  }
  return null;
}
