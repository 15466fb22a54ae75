/**
 * `npm run hub -- migrate` (src/db/migrations/): the real CLI process on a test database creates
 * every index the models declare, runs the data migrations once, and a second run changes
 * nothing; a run that crashed half-way continues where it stopped; an instance with
 * MONGODB_AUTO_MIGRATE=false refuses a database that was not migrated and starts on one that was.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose, { Types, type Connection } from 'mongoose';
import { projectRoot } from '../../src/config.js';
import { indexPlan } from '../../src/db/migrations/indexes.js';
import { MEMBERSHIPS_TO_EDGES } from '../../src/db/migrations/memberships-to-edges.js';
import { migrateDatabase, migrationStatus, MIGRATIONS } from '../../src/db/migrations/migrate.js';
import type { DataMigration } from '../../src/db/migrations/migration.js';
import { testDatabaseUri, uniqueDatabaseName } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/hub.js';
import { startTestRuntime } from '../helpers/runtime.js';

const root = projectRoot();
const opened: Connection[] = [];

afterAll(async () => {
  for (const connection of opened) {
    await connection.dropDatabase();
    await connection.close();
  }
});

async function freshDatabase(): Promise<{ name: string; connection: Connection }> {
  const name = uniqueDatabaseName('migrate');
  const connection = await mongoose
    .createConnection(testDatabaseUri(name), { autoIndex: false })
    .asPromise();
  opened.push(connection);
  return { name, connection };
}

function hubEnv(dbName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    MONGODB_URI: testDatabaseUri(dbName),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ...extra,
  };
}

function run(script: string[], env: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'dist', ...script[0]!.split('/')), ...script.slice(1)],
    {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const migrateCli = (dbName: string, ...args: string[]) =>
  run(['src/cli/main.js', 'migrate', ...args], hubEnv(dbName));

interface IndexDescription {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
}

async function listIndexes(connection: Connection, collection: string) {
  return (await connection
    .db!.collection(collection)
    .listIndexes()
    .toArray()) as IndexDescription[];
}

/** `{ a: 1, b: -1 }` as the `key` of listIndexes prints it, for comparison. */
const keyOf = (key: Record<string, unknown>) => JSON.stringify(key);

async function indexKeys(connection: Connection, collection: string): Promise<string[]> {
  return (await listIndexes(connection, collection)).map((i) => keyOf(i.key)).sort();
}

describe('migrate on a fresh database', () => {
  it('creates every declared index, records the plan and the migrations, and a second run changes nothing', async () => {
    const { name, connection } = await freshDatabase();
    const before = migrateCli(name, 'status');
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(`data migrations pending: ${MEMBERSHIPS_TO_EDGES}`);

    const first = migrateCli(name);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toContain(`data migration ${MEMBERSHIPS_TO_EDGES}: done`);
    expect(first.stdout).toMatch(/1 data migration\(s\) applied, 0 already applied/);

    for (const { collection, indexes } of indexPlan(connection)) {
      const present = await indexKeys(connection, collection);
      for (const [fields] of indexes)
        expect([collection, present]).toEqual([
          collection,
          expect.arrayContaining([keyOf(fields)]),
        ]);
    }
    const users = await listIndexes(connection, 'directory_users');
    expect(users.find((i) => keyOf(i.key) === keyOf({ emailKey: 1 }))?.unique).toBe(true);

    const records = () =>
      connection.db!.collection('migrations').find({}).sort({ _id: 1 }).toArray();
    const recorded = await records();
    expect(recorded.map((r) => r['_id'])).toEqual([
      MEMBERSHIPS_TO_EDGES,
      `indexes:${(await migrationStatus(connection)).fingerprint}`,
    ]);
    const allIndexes = async () =>
      Promise.all(indexPlan(connection).map((p) => indexKeys(connection, p.collection)));
    const indexesAfterFirst = await allIndexes();

    const second = migrateCli(name);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/0 data migration\(s\) applied, 1 already applied/);
    expect(second.stdout).not.toContain('not declared by this release');
    expect(await records()).toEqual(recorded);
    expect(await allIndexes()).toEqual(indexesAfterFirst);

    const after = migrateCli(name, 'status');
    expect([after.code, after.stdout]).toEqual([
      0,
      expect.stringContaining('migrated: this release can start'),
    ]);
  });

  it('lists every model of src/db/models in the index plan', async () => {
    const { connection } = await freshDatabase();
    const planned = new Set(indexPlan(connection).map((p) => p.collection));
    const files = readdirSync(path.join(root, 'src', 'db', 'models')).filter((f) =>
      f.endsWith('.model.ts'),
    );
    // One model per *.model.ts file; each collection it names must be planned.
    expect(planned.size).toBe(files.length);
  });

  it('refuses an unknown argument and changes nothing', async () => {
    const { name, connection } = await freshDatabase();
    const result = migrateCli(name, 'drop-everything');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('migrate takes no argument or "status"');
    expect(await connection.db!.listCollections().toArray()).toEqual([]);
  });
});

/** A database as the release before one-document-per-membership left it. */
async function seedLegacyMemberships(connection: Connection, corrupt: boolean): Promise<void> {
  const db = connection.db!;
  const companyId = new Types.ObjectId('64b000000000000000000001');
  const connectorId = new Types.ObjectId('64b000000000000000000002');
  await db.collection('connectors').insertOne({ _id: connectorId, companyId, partnerId: 'p' });
  const members = (g: number, n: number) => Array.from({ length: n }, (_, i) => `user-${g}-${i}`);
  const groups = [0, 1, 2, 3].map((g) => ({
    companyId,
    entraId: `group-${g}`,
    entraKey: `${companyId.toHexString()}:group-${g}`,
    name: `Group ${g}`,
    memberIds: members(g, 30),
    entraMemberIds: [...members(g, 30), `guest-${g}`],
  }));
  await db.collection('sync_states').insertOne({
    _id: connectorId.toHexString() as never,
    usersDeltaLink: 'https://graph.example/delta?token=kept',
    groups: groups
      .slice(0, 2)
      .map((g) => ({ id: g.entraId, name: g.name, memberIds: g.entraMemberIds })),
  });
  await db.collection('directory_groups').insertMany(groups);
  // Written last, so the crash comes after the states and the first groups were converted.
  await db.collection('directory_groups').insertOne({
    companyId,
    entraId: 'group-broken',
    entraKey: `${companyId.toHexString()}:group-broken`,
    name: 'Broken',
    memberIds: corrupt ? 5 : ['user-9-0'],
  });
}

const snapshot = async (connection: Connection) => ({
  edges: await connection
    .db!.collection('directory_group_members')
    .find({})
    .sort({ _id: 1 })
    .toArray(),
  groups: await connection
    .db!.collection('directory_groups')
    .find({}, { projection: { _id: 0 } })
    .sort({ entraId: 1 })
    .toArray(),
  states: await connection.db!.collection('sync_states').find({}).toArray(),
});

describe('migrate is resumable', () => {
  it('a run that crashed half-way keeps what it converted, and the next run ends where an uninterrupted one does', async () => {
    const clean = await freshDatabase();
    await seedLegacyMemberships(clean.connection, false);
    expect(migrateCli(clean.name).code).toBe(0);
    const expected = await snapshot(clean.connection);
    // Four groups of 30 members and a guest, and the one member of the last group.
    expect(expected.edges).toHaveLength(4 * 31 + 1);

    const { name, connection } = await freshDatabase();
    await seedLegacyMemberships(connection, true);
    const crashed = migrateCli(name);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/^error: /);
    const half = await snapshot(connection);
    expect(half.states[0]!['groups']).toBeUndefined();
    expect(half.states[0]!['selectedGroups']).toHaveLength(2);
    expect(half.edges.length).toBeGreaterThan(0);
    expect((await migrationStatus(connection)).pending).toEqual([MEMBERSHIPS_TO_EDGES]);

    // The operator fixes the document the log named, and runs migrate again.
    await connection
      .db!.collection('directory_groups')
      .updateOne({ entraId: 'group-broken' }, { $set: { memberIds: ['user-9-0'] } });
    expect(migrateCli(name).code).toBe(0);
    expect(await snapshot(connection)).toEqual(expected);
    expect((await snapshot(connection)).states[0]!['usersDeltaLink']).toBe(
      'https://graph.example/delta?token=kept',
    );
  });

  it('records each data migration only once it finished: a failed one and those after it run at the next migrate', async () => {
    const { connection } = await freshDatabase();
    const runs = connection.db!.collection<{ _id: string; n: number }>('test_runs');
    let fail = true;
    const step = (id: string, failing = false): DataMigration => ({
      id,
      description: id,
      async run() {
        await runs.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true });
        if (failing && fail) throw new Error(`${id} failed`);
        return { done: 1 };
      },
    });
    const migrations = [step('2026-01-a'), step('2026-02-b', true), step('2026-03-c')];
    await expect(migrateDatabase(connection, { migrations })).rejects.toThrow('2026-02-b failed');
    expect((await migrationStatus(connection, migrations)).pending).toEqual([
      '2026-02-b',
      '2026-03-c',
    ]);
    fail = false;
    const report = await migrateDatabase(connection, { migrations });
    expect(report.skipped).toEqual(['2026-01-a']);
    expect(report.applied.map((a) => a.id)).toEqual(['2026-02-b', '2026-03-c']);
    expect(await runs.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: '2026-01-a', n: 1 },
      { _id: '2026-02-b', n: 2 },
      { _id: '2026-03-c', n: 1 },
    ]);
  });

  it('two migrate runs at once: one waits for the other, and each data migration runs once', async () => {
    const { connection } = await freshDatabase();
    const runs = connection.db!.collection<{ _id: string; n: number }>('test_runs');
    const migrations: DataMigration[] = [
      {
        id: '2026-01-counted',
        description: 'counted',
        async run() {
          await runs.updateOne({ _id: 'counted' }, { $inc: { n: 1 } }, { upsert: true });
          return {};
        },
      },
    ];
    const [a, b] = await Promise.all([
      migrateDatabase(connection, { migrations }),
      migrateDatabase(connection, { migrations }),
    ]);
    expect([a.applied.length + b.applied.length, a.skipped.length + b.skipped.length]).toEqual([
      1, 1,
    ]);
    expect(await runs.findOne({ _id: 'counted' })).toEqual({ _id: 'counted', n: 1 });
  });
});

describe('an instance with MONGODB_AUTO_MIGRATE=false', () => {
  it('refuses to start on a database that was not migrated, naming what is missing and what to run', async () => {
    const { name, connection } = await freshDatabase();
    const started = run(['src/main.js'], hubEnv(name, { NODE_ENV: 'production', PORT: '0' }));
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('The database is not migrated to this release');
    expect(started.stderr).toContain(`data migration ${MEMBERSHIPS_TO_EDGES}`);
    expect(started.stderr).toContain('npm run hub -- migrate');
    // It wrote nothing: no index, no collection.
    expect(await connection.db!.listCollections().toArray()).toEqual([]);
  });

  it('starts on a migrated database, and accepts plans and migrations of a newer release', async () => {
    const { connection } = await freshDatabase();
    await migrateDatabase(connection);
    // A newer release migrated this database since (an upgrade being rolled back).
    await connection.db!.collection('migrations').insertMany([
      { _id: 'indexes:0123456789abcdef' as never, appliedAt: new Date() },
      { _id: '2099-01-future' as never, appliedAt: new Date() },
    ]);
    expect((await migrationStatus(connection)).current).toBe(true);
    const hub = await startTestRuntime({
      connection,
      webhooks: false,
      env: { MONGODB_AUTO_MIGRATE: 'false' },
    });
    try {
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
    } finally {
      await hub.stop();
    }
    expect(MIGRATIONS.map((m) => m.id)).toEqual([MEMBERSHIPS_TO_EDGES]);
  });
});
