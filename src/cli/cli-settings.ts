import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Where the CLI finds the hub and its credentials: flags first, then the environment (the CLI
 * is its own program: it reads HUB_URL, HUB_TOKEN and the AUTH_JWT_* names the hub uses), then
 * the dev stack's .dev/stack.json, so `npm run hub -- connectors` just works next to `npm run dev`.
 */
export interface CliSettings {
  url: string | null;
  authorization: string | null;
  jwt: { secret: string | null; issuer: string; audience: string };
}

const stackSchema = z.object({
  graphqlUrl: z.string(),
  partnerAdminJwt: z.string(),
  jwt: z.object({ secret: z.string(), issuer: z.string(), audience: z.string() }),
});

export function resolveSettings(
  flags: { url?: string | undefined; token?: string | undefined; stack?: string | undefined },
  env: NodeJS.ProcessEnv,
  cwd: string,
): CliSettings {
  const stackFile = flags.stack ?? env['HUB_STACK_FILE'] ?? path.join(cwd, '.dev', 'stack.json');
  const stack = existsSync(stackFile)
    ? stackSchema.safeParse(JSON.parse(readFileSync(stackFile, 'utf8')))
    : null;
  const fromStack = stack?.success ? stack.data : null;
  const token = flags.token ?? env['HUB_TOKEN'] ?? fromStack?.partnerAdminJwt ?? null;
  return {
    url: flags.url ?? env['HUB_URL'] ?? fromStack?.graphqlUrl ?? null,
    authorization: token === null ? null : /\s/.test(token) ? token : `Bearer ${token}`,
    jwt: {
      secret: env['AUTH_JWT_SECRET'] || fromStack?.jwt.secret || null,
      issuer: env['AUTH_JWT_ISSUER'] || fromStack?.jwt.issuer || 'entra-connector-hub',
      audience: env['AUTH_JWT_AUDIENCE'] || fromStack?.jwt.audience || 'entra-connector-hub',
    },
  };
}
