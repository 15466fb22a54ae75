/**
 * A real hub (its own database, the emulator over HTTPS) with the real sync engine on top, and a
 * seeded Entra tenant whose sync group the connector syncs. Connectors are written straight into
 * the database (activated, verified, secret sealed) so each test starts from the sync itself.
 */
import { Types } from 'mongoose';
import { secretPurpose } from '../../src/connectors/connector-credentials.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { installKeyFor } from '../../src/db/models/connector.model.js';
import type { DirectoryUserDoc } from '../../src/db/models/directory-user.model.js';
import { edgeOf, edgeRange } from '../../src/db/models/directory-group-member.model.js';
import type { DirectoryGroupDoc } from '../../src/db/models/directory-group.model.js';
import type { SyncRunDoc } from '../../src/db/models/sync-run.model.js';
import {
  ConnectorStatus,
  SyncTrigger,
  type SyncMode,
  ConnectorKind,
} from '../../src/domain/connector.js';
import { DEFAULT_SYNC_RULES, type SyncRules } from '../../src/domain/sync-rules.js';
import type { SyncEngine } from '../../src/sync/create-sync-engine.js';
import { waitForRun } from '../helpers/runs.js';
import { seedTestTenant, type SeedOptions, type SeededTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import type { ChangeEntry } from '../../src/domain/change.js';
import { unpack } from '../../src/db/models/packed.js';

export interface SyncHarness {
  t: TestHub;
  engine: SyncEngine;
  tenant: SeededTenant;
  companyId: string;
  connectorId: string;
  partnerId: string;
  /** Everything the hub logged (JSON lines). */
  logs: { records(): Record<string, unknown>[]; text(): string };
  sync(trigger?: SyncTrigger, mode?: SyncMode, timeoutMs?: number): Promise<SyncRunDoc>;
  users(): Promise<DirectoryUserDoc[]>;
  user(entraId: string): Promise<DirectoryUserDoc | null>;
  /** Directory groups with their members (Entra ids of the in-scope memberships). */
  groups(): Promise<(DirectoryGroupDoc & { memberIds: string[] })[]>;
  changes(runId: string): Promise<ChangeEntry[]>;
  setRules(rules: Partial<SyncRules>): Promise<void>;
  setSyncedGroups(ids: string[]): Promise<void>;
  graphRequests(): number;
  stop(): Promise<void>;
}

export async function startSyncHarness(
  options: {
    seed?: SeedOptions;
    rules?: Partial<SyncRules>;
    seatLimit?: number | null;
    syncedGroups?: number;
    pageSize?: number;
    /** Idle polls record every check unless set (the hub's default is 15 minutes). */
    idleRecordIntervalMs?: number;
    /** Extra hub environment (e.g. the outbound webhooks' settings). */
    env?: Record<string, string>;
  } = {},
): Promise<SyncHarness> {
  const t = await startTestHub({
    emulator: true,
    ...(options.env ? { env: options.env } : {}),
    engine: 'real',
    engineOptions: {
      graphMaxConcurrencyPerTenant: 4,
      maxConcurrentRuns: 4,
      lockTtlMs: 3_000,
      queuePollMs: 200,
      idleRecordIntervalMs: options.idleRecordIntervalMs ?? 0,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxRetryAfterMs: 5_000 },
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    },
  });
  const engine = t.engine;
  const emulator = t.emulator!;
  const tenant = await seedTestTenant(
    emulator,
    options.seed ?? { users: 12, groups: 3, syncGroupMembers: 8 },
  );
  const partnerId = 'partner-1';
  const company = await t.infra.models.Company.create({
    partnerId,
    name: 'Acme',
    seatLimit: options.seatLimit ?? null,
  });
  const connectorObjectId = new Types.ObjectId();
  const connectorId = connectorObjectId.toHexString();
  const box = new SecretBox(t.config.encryption.keys);
  const synced = tenant.groupIds.slice(0, options.syncedGroups ?? tenant.groupIds.length);
  await t.infra.models.Connector.create({
    _id: connectorObjectId,
    companyId: company._id,
    partnerId,
    kind: ConnectorKind.AZURE_AD,
    installKey: installKeyFor(company._id, ConnectorKind.AZURE_AD),
    name: 'Entra',
    status: ConnectorStatus.WAITING_FOR_CONNECTION,
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    clientSecret: box.seal(tenant.clientSecret, secretPurpose(connectorId)),
    verifiedAt: new Date(),
    syncGroupId: tenant.syncGroupId,
    syncGroupName: 'Password Boss Users',
    syncedGroups: synced.map((id) => ({ id, name: id })),
    syncRules: { ...DEFAULT_SYNC_RULES, ...options.rules },
    activatedAt: new Date(),
    enabled: true,
    authTokenHash: `hash-${connectorId}`,
  });
  const companyId = company._id.toHexString();
  const logs = {
    records: () => t.logLines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => t.logLines.join(''),
  };
  return {
    t,
    engine,
    tenant,
    companyId,
    connectorId,
    partnerId,
    logs,
    async sync(trigger = SyncTrigger.MANUAL, mode, timeoutMs) {
      const { runId } = await engine.syncRequester.requestSync(
        connectorId,
        trigger,
        mode ? { mode } : {},
      );
      return waitForRun(engine, runId, timeoutMs);
    },
    users: () => engine.models.DirectoryUser.find({ companyId }).lean<DirectoryUserDoc[]>(),
    user: (entraId) =>
      engine.models.DirectoryUser.findOne({ companyId, entraId }).lean<DirectoryUserDoc>(),
    async groups() {
      const docs = await engine.models.DirectoryGroup.find({ companyId }).lean<
        DirectoryGroupDoc[]
      >();
      return Promise.all(
        docs.map(async (doc) => {
          const edges = await engine.models.DirectoryGroupMember.find(
            { _id: edgeRange(companyId, doc.entraId), inScope: true },
            { _id: 1 },
          ).lean<{ _id: string }[]>();
          return { ...doc, memberIds: edges.map((edge) => edgeOf(edge._id).userId) };
        }),
      );
    },
    async changes(runId) {
      const chunks = await engine.models.SyncChangeChunk.find({ runId }).sort({ chunk: 1 }).lean();
      return chunks.flatMap((c) => unpack(c.entries));
    },
    async setRules(rules) {
      const set: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rules)) set[`syncRules.${k}`] = v;
      await t.infra.models.Connector.updateOne({ _id: connectorObjectId }, { $set: set });
    },
    async setSyncedGroups(ids) {
      await t.infra.models.Connector.updateOne(
        { _id: connectorObjectId },
        { $set: { syncedGroups: ids.map((id) => ({ id, name: id })) } },
      );
    },
    graphRequests: () => 0,
    stop: () => t.stop(),
  };
}
