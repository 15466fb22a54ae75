/**
 * Key rotation: `npm run hub -- reencrypt` re-seals every connector secret (active or not,
 * uninstalled ones too) under the first key, is idempotent (a second run changes nothing) and
 * prints counts; after it, the old key can be removed. SecretBox pins GCM's 16-byte tag.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose, { Types, type Connection } from 'mongoose';
import { ConnectorKind } from '../../src/domain/connector.js';
import { projectRoot } from '../../src/config.js';
import { secretPurpose } from '../../src/connectors/connector-credentials.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { connectorModel } from '../../src/db/models/connector.model.js';
import { testDatabaseUri, uniqueDatabaseName } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/hub.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const dbName = uniqueDatabaseName('reencrypt');
let connection: Connection;

function reencrypt(keys: { id: string; key: Buffer }[]) {
  return spawnSync(
    process.execPath,
    [path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js'), 'reencrypt'],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        MONGODB_URI: testDatabaseUri(dbName),
        ENCRYPTION_KEYS: keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
}

beforeAll(async () => {
  connection = await mongoose.createConnection(testDatabaseUri(dbName)).asPromise();
  const Connector = connectorModel(connection);
  const old = new SecretBox([k1]);
  const docs = [
    { name: 'active', uninstalledAt: null, enabled: true },
    { name: 'disabled', uninstalledAt: null, enabled: false },
    { name: 'uninstalled', uninstalledAt: new Date(), enabled: false },
  ];
  for (const [i, doc] of docs.entries()) {
    const created = await Connector.create({
      ...doc,
      companyId: new Types.ObjectId(),
      partnerId: 'p',
      kind: ConnectorKind.AZURE_AD,
      authTokenHash: `hash-${i}-${randomBytes(4).toString('hex')}`,
    });
    const id = created._id.toHexString();
    await Connector.updateOne(
      { _id: created._id },
      { $set: { clientSecret: old.seal(`secret-${doc.name}`, secretPurpose(id)) } },
    );
  }
  await Connector.create({
    name: 'no secret',
    companyId: new Types.ObjectId(),
    partnerId: 'p',
    kind: ConnectorKind.AZURE_AD,
    authTokenHash: 'none',
  });
});
afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

describe('npm run hub -- reencrypt', () => {
  it('re-seals every secret under the new first key, then has nothing left to do', async () => {
    const first = reencrypt([k2, k1]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('4 connectors, 3 re-encrypted, 0 already current');
    const second = reencrypt([k2, k1]);
    expect(second.stdout).toContain('4 connectors, 0 re-encrypted, 3 already current');

    // The old key can go: everything opens with k2 alone.
    const box = new SecretBox([k2]);
    const docs = await connectorModel(connection)
      .find({ clientSecret: { $ne: null } })
      .lean();
    expect(docs.map((d) => d.clientSecret!.kid)).toEqual(['k2', 'k2', 'k2']);
    expect(
      docs.map((d) => box.open(d.clientSecret!, secretPurpose(d._id.toHexString()))).sort(),
    ).toEqual(['secret-active', 'secret-disabled', 'secret-uninstalled']);
  });

  it('exits 1 and says why when a needed key was removed', () => {
    const k3 = { id: 'k3', key: randomBytes(32) };
    const result = reencrypt([k3]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('3 failed');
    expect(result.stdout).not.toContain(k2.key.toString('base64'));
  });
});

describe('SecretBox', () => {
  it('refuses a truncated GCM tag', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('value', 'p');
    const short = {
      ...sealed,
      tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64'),
    };
    expect(() => box.open(short, 'p')).toThrow('cannot be decrypted');
    expect(box.open(sealed, 'p')).toBe('value');
  });
});
