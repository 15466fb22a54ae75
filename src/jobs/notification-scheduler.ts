import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { NoticeActivity } from '../webhooks/notice-activity.js';
import type { NotificationScheduler } from '../webhooks/notification-intake.service.js';
import { enqueueForConnector, type EnqueueOptions } from './enqueue.js';
import { JobName } from './job-names.js';

export interface NotificationSchedulerOptions {
  /** Later notifications for a connector within this window share one trailing enqueue. */
  coalesceMs?: number;
  /** This instance's processor: a connector it is working on needs no job (NoticeActivity). */
  activity?: Pick<NoticeActivity, 'processing'>;
  /** Whether a job (by id) is still in Agenda's collection; lets a live job absorb a request. */
  jobExists?: (jobId: string) => Promise<boolean>;
}

/**
 * The receiver's hand-off to Agenda. A burst for one connector (hundreds of POSTs a second) is
 * coalesced in-process first: the first notification enqueues at once, later ones within
 * `coalesceMs` only set a flag, and one trailing enqueue at the end of the window covers them.
 * That keeps the burst from becoming hundreds of Agenda upserts, while a notification that
 * lands just after a job finished still gets a job of its own (the trailing one), at most
 * `coalesceMs` later.
 */
export class AgendaNotificationScheduler implements NotificationScheduler {
  private readonly windows = new Map<string, { trailing: boolean; timer: NodeJS.Timeout }>();
  /**
   * In `coalesce` mode, the job the last enqueue of a still-open window chain stood for; dropped
   * when a window closes quiet, so the first notification of the next burst upserts at once.
   */
  private readonly jobIds = new Map<string, string>();
  private readonly log: Logger;
  private readonly coalesceMs: number;

  constructor(
    private readonly agenda: Agenda,
    logger: Logger,
    private readonly options: NotificationSchedulerOptions = {},
  ) {
    this.log = logger.child({ component: 'notification-scheduler' });
    this.coalesceMs = options.coalesceMs ?? 1_000;
  }

  connectorChanged(connectorId: string): Promise<void> {
    if (this.options.activity?.processing(connectorId)) return Promise.resolve();
    return this.coalesced(JobName.PROCESS_CONNECTOR_NOTIFICATIONS, connectorId);
  }

  subscriptionsNeedAttention(connectorId: string): Promise<void> {
    // Upkeep reads the connector once per run: a signal during a run gets a run of its own.
    return this.coalesced(JobName.MAINTAIN_CONNECTOR_SUBSCRIPTIONS, connectorId, 'after-running');
  }

  /** Drops pending trailing enqueues (shutdown); the sweep covers their notices. */
  close(): void {
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
    this.jobIds.clear();
  }

  private coalesced(
    name: JobName,
    connectorId: string,
    whileRunning: EnqueueOptions['whileRunning'] = 'coalesce',
  ): Promise<void> {
    const key = `${name}:${connectorId}`;
    const open = this.windows.get(key);
    if (open) {
      open.trailing = true;
      return Promise.resolve();
    }
    this.openWindow(key, name, connectorId, whileRunning);
    return this.enqueue(key, name, connectorId, whileRunning);
  }

  /**
   * In `coalesce` mode a job that still exists absorbs the request, so when the job the last
   * enqueue stood for is still there, the upsert is skipped: a read by `_id` instead of an
   * upsert that filters on `data.connectorId` (an index on MongoDB, a scan on FerretDB, and a
   * write either way). Same outcome as the upsert, which would have matched that job.
   */
  private async enqueue(
    key: string,
    name: JobName,
    connectorId: string,
    whileRunning: EnqueueOptions['whileRunning'],
  ): Promise<void> {
    const last = this.jobIds.get(key);
    if (last !== undefined && (await this.options.jobExists?.(last))) return;
    const id = await enqueueForConnector(this.agenda, name, connectorId, { whileRunning });
    if (whileRunning !== 'coalesce') return;
    if (id === undefined) this.jobIds.delete(key);
    else this.jobIds.set(key, id);
  }

  /**
   * A window that ends with a trailing enqueue opens the next one: a connector notified without
   * pause costs one Agenda upsert per window. Were the window dropped instead, the next
   * notification would enqueue at once and open a new window, two upserts per window; at 50
   * connectors x 500 notifications/s those extra serialized writes (FerretDB has one writer)
   * delayed the receiver's own notice inserts, and so its acks, by hundreds of ms.
   */
  private openWindow(
    key: string,
    name: JobName,
    connectorId: string,
    whileRunning: EnqueueOptions['whileRunning'],
  ): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (!window?.trailing) {
        this.jobIds.delete(key);
        return;
      }
      this.openWindow(key, name, connectorId, whileRunning);
      this.enqueue(key, name, connectorId, whileRunning).catch((error: unknown) => {
        this.log.warn({ err: error, connectorId, job: name }, 'trailing enqueue failed');
      });
    }, this.coalesceMs);
    timer.unref();
    this.windows.set(key, { trailing: false, timer });
  }
}
