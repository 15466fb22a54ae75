import { readFile } from 'node:fs/promises';
import { currentSdl, SCHEMA_FILE } from './schema-sdl.js';

const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
if (committed !== (await currentSdl())) {
  console.error('schema/schema.graphql is stale: run `npm run schema:emit` and commit the result.');
  process.exit(1);
}
console.log('schema/schema.graphql is current');
