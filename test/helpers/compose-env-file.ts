/**
 * Env files as `docker compose` reads them: the hub's .env.example (test/security) and the
 * reference deployment's deploy/.env.example (test/deploy).
 */

/**
 * Compose's env_file rules (https://docs.docker.com/compose/env-file/): lines starting with `#`
 * and blank lines are ignored; `VAR=VAL`; an inline comment on an unquoted value must be
 * preceded by a space (`VAR=VAL # c` -> `VAL`, `VAR=VAL# c` -> `VAL# c`, `VAR=# c` -> `# c`);
 * quoted values end at the closing quote (a comment may follow it); single quotes are literal.
 */
export function parseComposeEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/.exec(line);
    if (!match) throw new Error(`not an env_file line: ${raw}`);
    const [, name, rest] = match as unknown as [string, string, string];
    const value = rest.trimStart();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      const end = value.indexOf(quote, 1);
      if (end === -1) throw new Error(`unterminated quote: ${raw}`);
      env[name] = value.slice(1, end);
    } else {
      env[name] = value.replace(/\s+#.*$/, '').trimEnd();
    }
  }
  return env;
}
