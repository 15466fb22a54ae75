import mongoose, { type Connection } from 'mongoose';
import { installClosedSocketGuard } from './closed-socket-guard.js';

export interface DatabaseOptions {
  uri: string;
  /** How long a query waits for a server before failing; short enough to surface outages. */
  serverSelectionTimeoutMs?: number;
  /**
   * Mongoose builds each model's indexes when it is compiled (default true). Off in production
   * (MONGODB_AUTO_MIGRATE): `npm run hub -- migrate` builds them once per deploy instead of every
   * instance at every start (src/db/migrations/). Off also leaves collections to be created by
   * their first write (mongoose `autoCreate`), so an instance that refuses to start wrote nothing.
   */
  autoIndex?: boolean;
}

/**
 * Opens the hub's mongoose connection. Nothing here (or anywhere in src/) uses multi-document
 * transactions or change streams: the offline FerretDB fallback supports neither.
 */
export async function connectDatabase(options: DatabaseOptions): Promise<Connection> {
  // Without it, a database restart can leave this process unable to reach it (see the guard).
  installClosedSocketGuard();
  const connection = mongoose.createConnection(options.uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5_000,
    // Mongoose would otherwise queue operations forever while the database is down.
    bufferCommands: false,
    autoIndex: options.autoIndex ?? true,
    autoCreate: options.autoIndex ?? true,
  });
  await connection.asPromise();
  return connection;
}
