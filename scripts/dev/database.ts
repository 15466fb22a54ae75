import path from 'node:path';
import { loadProvisionConfig } from '../../src/config.js';
import type { MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';

/**
 * The database, as the tests get it. The provisioner's notes (e.g. that no mongod binary exists
 * here, so the offline FerretDB fallback is used) go to the dev log: they are expected on most
 * machines, not errors. The console gets one line saying which database runs.
 */
export async function provisionDatabase(
  dir: string,
  log: (line: string) => void,
  detail: (line: string) => void,
): Promise<MongoServerHandle> {
  // A first run without mongod builds FerretDB through the Go module proxy (about 45 s).
  const slow = setTimeout(
    () => log('database: still starting (a first run builds the offline FerretDB fallback, ~45 s)'),
    5_000,
  );
  try {
    const db = await provisionMongo({
      ...loadProvisionConfig(),
      dataDir: path.join(dir, 'db'),
      log: detail,
    });
    detail(`using ${db.provider}: ${db.description}`);
    log(
      `database: ${db.description}${db.provider === 'ferretdb' ? ' (the offline fallback; docs/development.md, "The database")' : ''}`,
    );
    return db;
  } finally {
    clearTimeout(slow);
  }
}
