import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './dev-stack.helpers.js';

/**
 * The named GraphQL operations of docs/api.md (the portal developer's guide): the end-to-end
 * test runs these exact texts against `npm run dev`, so the guide cannot drift from the API.
 */
export function apiDocOperations(): Map<string, string> {
  const text = readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8');
  const operations = new Map<string, string>();
  for (const match of text.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    const body = match[1]!;
    const name = /^(?:query|mutation|subscription)\s+(\w+)/m.exec(body)?.[1];
    if (name) operations.set(name, body);
  }
  return operations;
}
