declare global {
  var __HUB_CONSOLE_CALLS__: string[] | undefined;
}

/** Returns (and clears) the console output captured so far in this test. */
export function takeConsoleOutput(): string[] {
  const calls = globalThis.__HUB_CONSOLE_CALLS__ ?? [];
  globalThis.__HUB_CONSOLE_CALLS__ = [];
  return calls;
}
