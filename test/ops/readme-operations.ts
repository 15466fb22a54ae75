import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './dev-stack.helpers.js';

/**
 * The README's example GraphQL operations, by operation name: the end-to-end test runs these
 * exact texts, so the README cannot drift from the API.
 */
export function readmeOperations(): Map<string, string> {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const operations = new Map<string, string>();
  for (const match of text.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    const body = match[1]!;
    const name = /^(?:query|mutation|subscription)\s+(\w+)/m.exec(body)?.[1];
    if (name) operations.set(name, body);
  }
  return operations;
}
