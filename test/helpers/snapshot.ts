/**
 * Every document of every collection of one database, as canonical text, to prove that a request
 * changed nothing: `expect(await snapshotDatabase(db)).toEqual(before)`.
 *
 * Collections that move on their own (Agenda's job table, the capped event-bus log) can be left
 * out by name; everything else counts, including collections nobody expected to exist.
 */
import { BSON } from 'mongodb';
import type { Connection } from 'mongoose';

export type DatabaseSnapshot = Record<string, string[]>;

export async function snapshotDatabase(
  connection: Connection,
  options: { ignore?: readonly (string | RegExp)[] } = {},
): Promise<DatabaseSnapshot> {
  const db = connection.db;
  if (!db) throw new Error('snapshotDatabase: the connection is not open');
  const ignored = (name: string) =>
    name.startsWith('system.') ||
    (options.ignore ?? []).some((p) => (typeof p === 'string' ? p === name : p.test(name)));
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((name) => !ignored(name))
    .sort();
  const snapshot: DatabaseSnapshot = {};
  for (const name of names) {
    const docs = await db.collection(name).find({}).toArray();
    snapshot[name] = docs.map((doc) => BSON.EJSON.stringify(doc, { relaxed: false })).sort();
  }
  return snapshot;
}

/** Every document as text, for "this secret appears nowhere" scans. */
export async function dumpDatabase(
  connection: Connection,
): Promise<{ collection: string; text: string }[]> {
  const snapshot = await snapshotDatabase(connection);
  return Object.entries(snapshot).flatMap(([collection, docs]) =>
    docs.map((text) => ({ collection, text })),
  );
}
