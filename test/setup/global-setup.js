// Loaded by Jest outside its module transform, so it uses the compiled provisioning module;
// `npm test` builds first. Starts one MongoDB-compatible server for the whole run
// (MONGODB_URI, else mongodb-memory-server, else FerretDB); workers inherit its URI and each
// test file uses a database of its own.
import { loadProvisionConfig } from '../../dist/src/config.js';
import { provisionMongo } from '../../dist/src/db/provision/provision.js';

export default async function globalSetup() {
  const started = Date.now();
  const handle = await provisionMongo({
    ...loadProvisionConfig(process.env),
    log: (line) => process.stdout.write(`[test-db] ${line}\n`),
  });
  globalThis.__HUB_TEST_MONGO__ = handle;
  process.env.HUB_TEST_MONGODB_URI = handle.uri;
  process.env.HUB_TEST_MONGO_PROVIDER = handle.provider;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n[test-db] ${handle.description}; ready in ${seconds} s\n`);
}
