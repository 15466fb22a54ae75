/**
 * The outbound webhooks of one hub on a fresh database, for bench/outbound.bench.ts: the
 * composition root's infrastructure with the production live-event bus (the Mongo capped
 * collection), the real delivery machinery (createOutbound), endpoints created through the
 * endpoint service as the API creates them, receivers in a child process, and feed changes
 * written through the same writer the sync engine uses (stage, then commit).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { Types, type Connection } from 'mongoose';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { withDatabase } from '../../src/db/provision/mongo-server.js';
import { CallerRole, type Caller } from '../../src/domain/caller.js';
import { ChangeAction, ChangeObjectType } from '../../src/domain/change.js';
import { EventBusLiveEvents } from '../../src/events/event-bus-live-events.js';
import { MongoEventBus } from '../../src/events/mongo-event-bus.js';
import type { FeedWriter } from '../../src/feed/feed-writer.js';
import { createOutbound, type Outbound } from '../../src/outbound/create-outbound.js';
import { buildInfrastructure, type Infrastructure } from '../../src/runtime/infrastructure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const logger = pino({ level: 'silent' });
export const wallClock = () => performance.timeOrigin + performance.now();

export interface EndpointStats {
  requests: number;
  distinct: number;
  duplicates: number;
  outOfOrder: number;
  verified: number;
  verifyFailures: number;
  idMismatches: number;
  maxSeq: number;
}

/** The receivers' process: one HTTP server per endpoint (bench/support/outbound-receiver.child.ts). */
export class Receivers {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<Receivers> {
    const child = fork(path.join(here, 'outbound-receiver.child.js'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise((resolve) => child.once('message', resolve));
    return new Receivers(child);
  }

  private call<T>(message: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (reply: T & { error?: string }) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply),
      );
      this.child.send(message);
    });
  }

  async listen(count: number): Promise<number[]> {
    return (await this.call<{ ports: number[] }>({ cmd: 'listen', count })).ports;
  }

  secrets(secrets: string[], verifyEvery: number): Promise<unknown> {
    return this.call({ cmd: 'secrets', secrets, verifyEvery });
  }

  down(): Promise<unknown> {
    return this.call({ cmd: 'down' });
  }

  up(): Promise<unknown> {
    return this.call({ cmd: 'up' });
  }

  stats(arrivalsOf?: number) {
    return this.call<{ endpoints: EndpointStats[]; arrivals?: [number, number][] }>({
      cmd: 'stats',
      ...(arrivalsOf === undefined ? {} : { arrivalsOf }),
    });
  }

  stop(): void {
    this.child.kill();
  }
}

export interface BenchHub {
  infra: Infrastructure;
  outbound: Outbound;
  companyId: string;
  receivers: Receivers;
  endpointIds: string[];
  /** Starts delivering (when created with `start: false`). */
  start(): void;
  /** Writes `count` changes in one batch; returns when they are committed (visible). */
  write(count: number): Promise<void>;
  /** When each feed position's batch started to commit (its directory writes were done). */
  committedAt: Map<number, number>;
  written(): number;
  /** Feed positions not yet delivered or parked, summed over endpoints, and parked deliveries. */
  backlog(): Promise<{ behind: number; parked: number }>;
  stop(): Promise<void>;
}

export interface BenchHubOptions {
  serverUri: string;
  endpoints: number;
  users: number;
  /** The receivers verify every n-th request with the library (0: none). */
  verifyEvery: number;
  retryMaxMs: number;
  /** false: the endpoints exist but nothing is delivered until `start()`. Default true. */
  start?: boolean;
}

export async function startBenchHub(options: BenchHubOptions): Promise<BenchHub> {
  const connection: Connection = await mongoose
    .createConnection(withDatabase(options.serverUri, `bench_out_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_RETRY_MAX_MS: String(options.retryMaxMs),
  });
  const bus = await MongoEventBus.start({
    db: connection.db!,
    cappedBytes: config.pubsub.cappedBytes,
    logger,
  });
  const live = new EventBusLiveEvents(bus);
  const upkeep = { subscriptionsNeedAttention: () => Promise.resolve() };
  const infra = await buildInfrastructure({ config, connection, logger, live, upkeep });
  const outbound = createOutbound({
    models: infra.models,
    feed: infra.feed,
    live,
    box: infra.secretBox,
    settings: config.outbound,
    logger,
  });
  const company = await infra.models.Company.create({ partnerId: 'bench', name: 'Bench' });
  const companyId = company._id.toHexString();
  const caller: Caller = { role: CallerRole.PARTNER_ADMIN, subject: 'bench', partnerId: 'bench' };
  const receivers = await Receivers.start();
  const ports = await receivers.listen(options.endpoints);
  const created = [];
  for (const port of ports) {
    created.push(
      await outbound.endpoints.create(caller, companyId, { url: `http://127.0.0.1:${port}/hook` }),
    );
  }
  await receivers.secrets(
    created.map((c) => c.secret),
    options.verifyEvery,
  );
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    outbound.start();
  };
  if (options.start !== false) start();
  const load = new FeedLoad(
    infra.feed.writer({ companyId, connectorId: 'bench', runId: null }),
    options.users,
  );
  return {
    infra,
    outbound,
    companyId,
    receivers,
    endpointIds: created.map((c) => c.endpoint.id),
    start,
    write: (count) => load.write(count),
    committedAt: load.committedAt,
    written: () => load.count,
    async backlog() {
      const [head, endpoints, parked] = await Promise.all([
        infra.feed.store.head(companyId),
        infra.models.WebhookEndpoint.find({ companyId }, { cursor: 1 }).lean(),
        infra.models.WebhookDelivery.countDocuments({}),
      ]);
      const behind = endpoints.reduce((sum, ep) => sum + (head.committed - ep.cursor), 0);
      return { behind, parked };
    },
    async stop() {
      await outbound.stop();
      receivers.stop();
      await live.close();
      await bus.close();
      await infra.close();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** Display-name changes spread over `users` users, in batches, as a sync run writes them. */
class FeedLoad {
  readonly committedAt = new Map<number, number>();
  count = 0;
  private readonly ids: string[];

  constructor(
    private readonly writer: FeedWriter,
    private readonly users: number,
  ) {
    this.ids = Array.from({ length: users }, () => new Types.ObjectId().toHexString());
  }

  async write(count: number): Promise<void> {
    const changes = Array.from({ length: count }, (_, i) => {
      const k = this.count + i;
      const user = k % this.users;
      return {
        objectType: ChangeObjectType.USER,
        objectId: `entra-user-${user}`,
        label: `user${user}@example.com`,
        action: ChangeAction.UPDATE,
        rule: 'attributesChanged',
        before: { displayName: `v${k - this.users}` },
        after: { displayName: `v${k}` },
        write: { kind: 'updateUser', id: this.ids[user]! },
      };
    });
    const staged = await this.writer.stageChanges(changes);
    const at = wallClock();
    await staged.commit();
    // One writer on a fresh feed: its entries are numbered 1, 2, 3, ... in write order.
    for (let i = 1; i <= count; i += 1) this.committedAt.set(this.count + i, at);
    this.count += count;
  }
}
