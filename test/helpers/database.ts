import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { withDatabase } from '../../src/db/provision/mongo-server.js';

/** The server the jest global setup started (or MONGODB_URI), without a database name. */
export function testServerUri(): string {
  const uri = process.env['HUB_TEST_MONGODB_URI'];
  if (!uri) throw new Error('HUB_TEST_MONGODB_URI is not set: run tests through `npm test`');
  return uri;
}

/** A database name no other test file uses, so files can run in parallel. */
export function uniqueDatabaseName(prefix = 'hubtest'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function testDatabaseUri(dbName = uniqueDatabaseName()): string {
  return withDatabase(testServerUri(), dbName);
}

/** A fresh mongoose connection on its own database; `close` drops the database. */
export async function openTestConnection(): Promise<{
  connection: Connection;
  close(): Promise<void>;
}> {
  const connection = await mongoose.createConnection(testDatabaseUri()).asPromise();
  return {
    connection,
    async close() {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
