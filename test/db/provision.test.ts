import { describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { loadProvisionConfig } from '../../src/config.js';
import { MongoProvisionError, withDatabase } from '../../src/db/provision/mongo-server.js';
import { provisionMongo, type ProvisionOptions } from '../../src/db/provision/provision.js';
import { takeConsoleOutput } from '../helpers/console.js';

const base: ProvisionOptions = loadProvisionConfig({});

describe('MongoDB provisioning order', () => {
  it('uses MONGODB_URI as is when set, starts nothing and hides its password', async () => {
    const handle = await provisionMongo({
      ...base,
      mongodbUri: 'mongodb://hub:s3cret@db.example:27017/?replicaSet=rs0',
    });
    expect(handle.provider).toBe('uri');
    expect(handle.uri).toBe('mongodb://hub:s3cret@db.example:27017/?replicaSet=rs0');
    expect(handle.description).not.toContain('s3cret');
    expect(handle.pause).toBeUndefined();
    await handle.stop();
  });

  it('falls through memory-server to the next option and reports why', async () => {
    const error = await provisionMongo({
      ...base,
      provider: 'memory-server',
      memoryServer: { ...base.memoryServer, systemBinary: '/nonexistent/mongod' },
    }).catch((e: unknown) => e);
    takeConsoleOutput(); // mongodb-memory-server prints its own failure; expected here.
    expect(error).toBeInstanceOf(MongoProvisionError);
    expect((error as Error).message).toMatch(/No MongoDB-compatible server could be started/);
    expect((error as Error).message).toMatch(/mongodb-memory-server: .+/);
  });

  it('fails loudly, listing every option tried, when nothing works', async () => {
    const error = await provisionMongo({
      ...base,
      provider: 'ferretdb',
      ferretDb: { sourceDir: '/nonexistent/ferretdb', cacheDir: '/tmp/hub-none' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoProvisionError);
    expect((error as Error).message).toMatch(/FerretDB: /);
    expect((error as Error).message).toMatch(/MONGODB_URI/);
  });

  it('starts the FerretDB fallback, which keeps its data across a pause and restart', async () => {
    const handle = await provisionMongo({ ...base, provider: 'ferretdb' });
    try {
      expect(handle.provider).toBe('ferretdb');
      const uri = withDatabase(handle.uri, 'restart_probe');
      let client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 2_000 });
      await client.db().collection('things').insertOne({ name: 'kept' });
      await client.close();

      await handle.pause!();
      client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
      await expect(client.db().collection('things').findOne({})).rejects.toThrow();
      await client.close();

      await handle.start!();
      client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
      expect(await client.db().collection('things').findOne({ name: 'kept' })).not.toBeNull();
      await client.close();
    } finally {
      await handle.stop();
    }
  });
});
