import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { currentSdl, SCHEMA_FILE } from './schema-sdl.js';

await mkdir(path.dirname(SCHEMA_FILE), { recursive: true });
await writeFile(SCHEMA_FILE, await currentSdl());
console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
