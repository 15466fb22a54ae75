/**
 * `npm run db`: starts the dev database the same way the tests and `npm run dev` do
 * (MONGODB_URI, else mongodb-memory-server, else FerretDB), with data kept in .dev/db, and
 * prints its URI until Ctrl-C.
 */
import path from 'node:path';
import { loadProvisionConfig, projectRoot } from '../src/config.js';
import { provisionMongo } from '../src/db/provision/provision.js';

const handle = await provisionMongo({
  ...loadProvisionConfig(),
  dataDir: path.join(projectRoot(), '.dev', 'db'),
  log: (line) => console.log(`[db] ${line}`),
});
console.log(`[db] ${handle.description}`);
console.log(`[db] MONGODB_URI=${handle.uri}`);

// The database process is unref'd (so test runs can exit): hold the launcher open until Ctrl-C.
const keepAlive = setInterval(() => undefined, 60_000);

const shutdown = () => {
  clearInterval(keepAlive);
  console.log('[db] stopping');
  handle.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
