import type { WebhookEndpointDoc } from '../db/models/webhook-endpoint.model.js';
import type { FeedStore } from '../feed/feed-store.js';
import type { DeliveryContext } from './delivery-context.js';
import { EndpointRound } from './endpoint-round.js';
import type { SignerCache } from './signer-cache.js';

export interface DispatcherOptions {
  /** How often every endpoint's state is checked (new entries are also announced live). */
  scanMs: number;
  /** Endpoints this instance delivers to at once. */
  maxActiveEndpoints: number;
}

type EndpointState = Pick<
  WebhookEndpointDoc,
  '_id' | 'companyId' | 'cursor' | 'nextRetryAt' | 'failing' | 'lease'
>;

interface Session {
  again: boolean;
}

/**
 * Each instance's side of the shared delivery queue: an endpoint with work (feed entries past its
 * position, due retries) is claimed with a lease (one conditional update by `_id`), delivered to
 * round after round while there is work, then released. A killed instance's leases lapse after
 * `leaseTtlMs` and any instance takes over from the positions they saved. New feed entries wake
 * the company's endpoints at once (live event); a periodic scan catches anything else.
 */
export class DeliveryDispatcher {
  private readonly sessions = new Map<string, Session>();
  private readonly running = new Set<Promise<void>>();
  private known: EndpointState[] = [];
  private timer: NodeJS.Timeout | null = null;
  private commits: AsyncIterableIterator<{ companyId: string; committed: number }> | null = null;
  private stopped = true;

  constructor(
    private readonly ctx: DeliveryContext,
    private readonly store: FeedStore,
    private readonly signers: SignerCache,
    private readonly subscribe: () => AsyncIterableIterator<{
      companyId: string;
      committed: number;
    }>,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    const commits = this.subscribe();
    this.commits = commits;
    void (async () => {
      for await (const event of commits) this.wakeCompany(event.companyId, event.committed);
    })().catch((error: unknown) =>
      this.ctx.logger.warn({ err: error }, 'feed announcements ended'),
    );
    this.timer = setInterval(() => void this.scan(), this.options.scanMs);
    this.timer.unref();
    void this.scan();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.commits?.return?.();
    await Promise.allSettled([...this.running]);
  }

  /** Delivers to this endpoint now if it has work (an operator event, a replay, a retry). */
  wake(endpointId: string): void {
    this.kick(endpointId);
  }

  private wakeCompany(companyId: string, committed: number): void {
    for (const ep of this.known) {
      if (ep.companyId === companyId && ep.cursor < committed) this.kick(ep._id.toHexString());
    }
    // An endpoint created since the last scan is found by the next one.
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    try {
      const endpoints = await this.ctx.models.WebhookEndpoint.find(
        { enabled: true },
        { companyId: 1, cursor: 1, nextRetryAt: 1, failing: 1, lease: 1 },
      ).lean<EndpointState[]>();
      this.known = endpoints;
      const heads = await this.store.heads([...new Set(endpoints.map((e) => e.companyId))]);
      const now = this.ctx.clock();
      for (const ep of endpoints) {
        const committed = heads.get(ep.companyId)?.committed ?? 0;
        if (hasWork(ep, committed, now)) this.kick(ep._id.toHexString());
      }
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'webhook delivery scan failed');
    }
  }

  private kick(endpointId: string): void {
    if (this.stopped) return;
    const session = this.sessions.get(endpointId);
    if (session) {
      session.again = true;
      return;
    }
    if (this.sessions.size >= this.options.maxActiveEndpoints) return;
    const state: Session = { again: false };
    this.sessions.set(endpointId, state);
    const work = this.session(endpointId, state)
      .catch((error: unknown) =>
        this.ctx.logger.error({ err: error, endpointId }, 'webhook delivery round failed'),
      )
      .finally(() => {
        this.sessions.delete(endpointId);
        this.running.delete(work);
      });
    this.running.add(work);
  }

  private async session(endpointId: string, state: Session): Promise<void> {
    const { models, owner, settings } = this.ctx;
    const now = this.ctx.clock();
    let ep = await models.WebhookEndpoint.findOneAndUpdate(
      {
        _id: endpointId,
        enabled: true,
        $or: [
          { lease: null },
          { 'lease.until': { $lte: new Date(now) } },
          { 'lease.owner': owner },
        ],
      },
      { $set: { lease: { owner, until: new Date(now + settings.leaseTtlMs) } } },
      { returnDocument: 'after' },
    ).lean<WebhookEndpointDoc>();
    try {
      while (ep && !this.stopped) {
        state.again = false;
        const signer = this.signers.for(ep, this.ctx.clock());
        const result = await new EndpointRound(this.ctx, ep, signer).run();
        if (result === 'lost' || result === 'stopped') return;
        if (result === 'idle' && !state.again) return;
        ep = await models.WebhookEndpoint.findById(endpointId).lean<WebhookEndpointDoc>();
        if (!ep?.enabled || ep.lease?.owner !== owner) return;
      }
    } finally {
      if (ep) {
        await models.WebhookEndpoint.updateOne(
          { _id: endpointId, 'lease.owner': owner },
          { $set: { lease: null } },
        ).catch(() => undefined);
      }
    }
  }
}

function hasWork(ep: EndpointState, committed: number, now: number): boolean {
  if (ep.lease && ep.lease.until.getTime() > now) return false;
  const behind = ep.cursor < committed && (!ep.failing || ep.failing.retryAt.getTime() <= now);
  return behind || (ep.nextRetryAt !== null && ep.nextRetryAt.getTime() <= now);
}
