import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, isEnumType } from 'graphql';
import { projectRoot } from '../../src/config.js';
import { CallerRole } from '../../src/domain/caller.js';
import { ERROR_CATALOGUE } from '../../src/domain/errors.js';
import { RealtimeTopic } from '../../src/events/topics.js';

/**
 * What the docs name, and what the repository defines, for test/docs/doc-references.test.ts.
 * Names are found by their shape (CONSTANT_CASE), then sorted into what they can be: a variable
 * of the configuration schema, a variable something else reads (a tool, the compose file), or a
 * word of a vocabulary the code defines (GraphQL enums, error codes, topics, constants).
 */

export const ROOT = projectRoot();

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const rel = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path.join(ROOT, rel)).isDirectory() ? walk(rel, keep) : keep(rel) ? [rel] : [];
  });
}

/** The prose a reader follows: README, the root guides and docs/ (generated files included). */
export function docFiles(): string[] {
  const root = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md'].filter((f) =>
    existsSync(path.join(ROOT, f)),
  );
  return [...root, ...walk('docs', (f) => f.endsWith('.md'))];
}

/** Source that may read a variable or define a constant: everything but docs and builds. */
function sourceFiles(): string[] {
  const code = /\.(ts|tsx|mjs|cjs|js|go|ya?ml|sh)$/;
  const dirs = ['src', 'scripts', 'bench', 'test', 'tools', 'portal', 'deploy', '.ci'];
  // test/docs is left out: these tests name unknown variables on purpose.
  const files = dirs.flatMap((dir) =>
    walk(
      dir,
      (f) =>
        !f.startsWith('test/docs/') &&
        (code.test(f) || f.endsWith('/run') || /Dockerfile|\.env/.test(f)),
    ),
  );
  return [...files, 'docker-compose.yml', 'Dockerfile', 'package.json'].filter((f) =>
    existsSync(path.join(ROOT, f)),
  );
}

export const CONSTANT = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

/** Written as a variable: `NAME=value`, `$NAME`, `${NAME}`. */
export const AS_VARIABLE =
  /(?:\$\{?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b|\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=)/g;

/** Variables read outside src/config.ts: by tools, benches, tests, the CLI, CI, compose. */
export function variablesReadElsewhere(): Set<string> {
  const reads = [
    /process\.env\.([A-Z][A-Z0-9_]+)/g,
    /process\.env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
    /env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
    /Getenv\("([A-Z][A-Z0-9_]+)"\)/g,
    /\$\{([A-Z][A-Z0-9_]+)[:}-]/g,
    /^\s*(?:export\s+)?([A-Z][A-Z0-9_]+)=/gm,
  ];
  const names = new Set<string>();
  for (const file of sourceFiles()) {
    const text = read(file);
    for (const pattern of reads) for (const m of text.matchAll(pattern)) names.add(m[1]!);
  }
  return names;
}

/** Every CONSTANT_CASE word the source defines or uses (enums, constants, codes). */
export function codeWords(): Set<string> {
  const words = new Set<string>();
  for (const file of sourceFiles()) for (const m of read(file).matchAll(CONSTANT)) words.add(m[0]);
  const schema = buildSchema(read('schema/schema.graphql'));
  for (const type of Object.values(schema.getTypeMap())) {
    if (isEnumType(type)) for (const value of type.getValues()) words.add(value.name);
  }
  for (const word of [
    ...Object.keys(ERROR_CATALOGUE),
    ...Object.values(RealtimeTopic),
    ...Object.values(CallerRole),
  ]) {
    words.add(String(word));
  }
  return words;
}

/** The operator CLI's commands, from its own usage text (`npm run hub -- --help`). */
export function cliCommands(usage: string): Set<string> {
  const block = usage.slice(
    usage.indexOf('commands:'),
    usage.indexOf('\n\n', usage.indexOf('commands:')),
  );
  return new Set(
    [...block.matchAll(/^ {2}([a-z][a-z-]*)\b|\| ([a-z]+) /gm)].map((m) => m[1] ?? m[2]!),
  );
}

export { read };
