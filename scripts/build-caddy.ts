/**
 * `node dist/scripts/build-caddy.js`: builds the Caddy of test/deploy/proxy.test.ts ahead of time
 * (.ci/run does, so the test does not wait). A no-op when the cached binary matches the sources.
 */
import { projectRoot } from '../src/config.js';
import { ensureCaddy } from './caddy-binary.js';

const { binary, built } = await ensureCaddy(projectRoot(), (line) =>
  console.log(`[caddy:build] ${line}`),
);
console.log(`[caddy:build] ${binary} ${built ? 'built' : 'already built'}`);
