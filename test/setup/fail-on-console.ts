import { afterEach, beforeEach, jest } from '@jest/globals';

/**
 * Any console output a test did not ask for fails it: a stray warning is usually a bug (an
 * unhandled error, a deprecation, or worse, a secret being printed). A test that expects output
 * takes it with `takeConsoleOutput()` from test/helpers/console.ts.
 */
const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = new Map(methods.map((m) => [m, console[m]]));

beforeEach(() => {
  globalThis.__HUB_CONSOLE_CALLS__ = [];
  for (const method of methods) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      globalThis.__HUB_CONSOLE_CALLS__?.push(`console.${method}: ${args.map(String).join(' ')}`);
    });
  }
});

afterEach(() => {
  for (const method of methods) console[method] = originals.get(method)!;
  const seen = globalThis.__HUB_CONSOLE_CALLS__ ?? [];
  globalThis.__HUB_CONSOLE_CALLS__ = [];
  if (seen.length > 0) {
    throw new Error(`Unexpected console output:\n${seen.join('\n').slice(0, 4000)}`);
  }
});
