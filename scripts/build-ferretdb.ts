/**
 * `npm run db:build`: builds the offline FerretDB fallback ahead of time (CI does this so the
 * test run does not pay for it). A no-op when the cached binary matches the sources.
 */
import { loadProvisionConfig } from '../src/config.js';
import { buildFerretDbLauncher } from '../src/db/provision/ferretdb-server.js';

const started = Date.now();
const binary = await buildFerretDbLauncher(loadProvisionConfig().ferretDb, (line) =>
  console.log(`[db:build] ${line}`),
);
console.log(`[db:build] ${binary} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
