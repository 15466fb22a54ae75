/**
 * Read access to what a hub wrote, through its database URI (a hub process's MONGODB_URI, or the
 * test database of an in-process runtime): directory users and sync runs, as tests check them.
 */
import mongoose, { type Connection } from 'mongoose';
import { FINISHED_STATUSES } from '../../src/domain/sync-run.js';

/** Run statuses that end a run (the domain's own list, as plain strings). */
export const FINISHED: readonly string[] = FINISHED_STATUSES;

export interface RunRow {
  _id: unknown;
  trigger: string;
  mode: string;
  status: string;
  coalesced?: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  graphRequests?: number;
  notes?: string[];
  error?: { code: string; message: string } | null;
  counts: Record<string, number>;
}

export interface UserRow {
  entraId: string | null;
  email: string;
  displayName: string;
  status: string;
  connectorId: string | null;
}

export interface HubData {
  connection: Connection;
  users(connectorId: string): Promise<UserRow[]>;
  /** Entra ids of the connector's directory users that are not deleted. */
  directoryEntraIds(connectorId: string): Promise<string[]>;
  /** The connector's runs, oldest request first. */
  runs(connectorId: string): Promise<RunRow[]>;
  close(): Promise<void>;
}

export async function openHubData(uri: string): Promise<HubData> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const db = connection.db!;
  return {
    connection,
    users: async (connectorId) =>
      (await db
        .collection('directory_users')
        .find(
          { connectorId },
          { projection: { entraId: 1, email: 1, displayName: 1, status: 1, connectorId: 1 } },
        )
        .toArray()) as unknown as UserRow[],
    directoryEntraIds: async (connectorId) =>
      (
        await db
          .collection('directory_users')
          .find({ connectorId, deletedAt: null }, { projection: { entraId: 1 } })
          .toArray()
      ).map((d) => String(d['entraId'])),
    runs: async (connectorId) =>
      (await db
        .collection('sync_runs')
        .find({ connectorId })
        .sort({ requestedAt: 1 })
        .toArray()) as unknown as RunRow[],
    close: () => connection.close(),
  };
}
