/**
 * `npm run hub -- <command>`: the operator's CLI over the hub's GraphQL API. Next to a running
 * `npm run dev` it needs no flags (it reads .dev/stack.json); elsewhere pass --url and --token
 * (or HUB_URL and HUB_TOKEN). Only this entry point writes to stdout/stderr.
 */
import { parseArgs } from 'node:util';
import { resolveSettings } from './cli-settings.js';
import {
  changesCommand,
  connectorsCommand,
  decideCommand,
  runsCommand,
  syncCommand,
  tokenCommand,
  webhooksCommand,
  type Output,
} from './commands.js';
import { HubGraphqlClient } from './graphql-client.js';
import { migrateCommand } from './migrate.command.js';
import { reencryptCommand } from './reencrypt.command.js';

const USAGE = `usage: npm run hub -- <command> [options]

commands:
  token --role PARTNER_ADMIN --partner ID     mint a portal JWT for local use (AUTH_JWT_SECRET)
  token --role COMPANY_ADMIN --company ID       [--subject S] [--expires-hours N]
  connectors [--company ID] [--status S]      every connector and its status (all pages)
  sync CONNECTOR_ID [--detach] [--timeout S]  Synchronize Now, and follow the run with a progress bar
  runs CONNECTOR_ID [--limit N | --all]       sync runs, newest first (default 20)
  changes RUN_ID [--limit N | --all]          a run's change log as a table (default 500)
  approve RUN_ID | reject RUN_ID              decide a staged run (NEEDS_APPROVAL)
  webhooks [list] [--company ID]              outbound webhook endpoints (all pages; default:
                                              every company the token sees)
  webhooks deliveries ENDPOINT_ID             an endpoint's delivery attempts, newest first
                                              (default 50; --limit N | --all)
  webhooks test ENDPOINT_ID                   send a signed webhook.test event now (exit 1 if
                                              the receiver did not accept it)
  webhooks replay ENDPOINT_ID --from CURSOR   deliver again every event after a feed cursor
                                              (--from oldest: all the feed keeps), same ids
  reencrypt                                   re-encrypt every connector secret under the first
                                              key of ENCRYPTION_KEYS (database, hub's environment)
  migrate [status]                            indexes and data migrations, once per deploy
                                              (database, hub's environment); status only reports

lists read page by page until the end (or --limit rows, then say how many were left out):
  --limit N        at most N rows          --all    every row (the default for connectors)
  --page-size N    rows per request (default 100)

connection (default: .dev/stack.json of a running \`npm run dev\`):
  --url URL        the GraphQL endpoint (HUB_URL), e.g. http://localhost:4000/graphql
  --token TOKEN    a portal JWT or "Connector <token>" (HUB_TOKEN)
  --stack FILE     another stack.json
`;

function output(): Output {
  const tty = process.stdout.isTTY;
  let open = false;
  return {
    line(text) {
      if (open && tty) process.stdout.write('\n');
      open = false;
      process.stdout.write(`${text}\n`);
    },
    status(text) {
      if (tty) {
        process.stdout.write(`\r\x1b[2K${text}`);
        open = true;
      } else {
        process.stdout.write(`${text}\n`);
      }
    },
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`--${name} must be a positive integer`);
  return parsed;
}

function positiveIntOrNull(
  value: string | undefined,
  fallback: number | null,
  name: string,
): number | null {
  return value === undefined ? fallback : positiveInt(value, 0, name);
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      stack: { type: 'string' },
      role: { type: 'string' },
      partner: { type: 'string' },
      company: { type: 'string' },
      subject: { type: 'string' },
      'expires-hours': { type: 'string' },
      status: { type: 'string' },
      detach: { type: 'boolean', default: false },
      from: { type: 'string' },
      timeout: { type: 'string' },
      first: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
      'page-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, arg] = positionals;
  const out = output();
  // Asked for (--help, or `help`): usage on stdout, success. No command at all: usage, EX_USAGE.
  if (values.help || command === 'help') {
    out.line(USAGE);
    return 0;
  }
  if (!command) {
    process.stderr.write(USAGE);
    return 64;
  }
  const pageSize = positiveInt(values['page-size'], 100, 'page-size');
  // `--first` is the old name of `--limit` for runs.
  const limit = (fallback: number | null) =>
    values.all ? null : positiveIntOrNull(values.limit ?? values.first, fallback, 'limit');
  if (command === 'reencrypt') return reencryptCommand(out, process.env);
  if (command === 'migrate') return migrateCommand(out, process.env, arg);
  const settings = resolveSettings(values, process.env, process.cwd());
  if (command === 'token') {
    return tokenCommand(out, {
      ...settings.jwt,
      role: values.role ?? 'PARTNER_ADMIN',
      scopeId:
        (values.role ?? 'PARTNER_ADMIN').toUpperCase() === 'COMPANY_ADMIN'
          ? values.company
          : values.partner,
      subject: values.subject,
      expiresInSeconds: positiveInt(values['expires-hours'], 12, 'expires-hours') * 3600,
    });
  }
  if (!settings.url) throw new Error('no hub: pass --url (or HUB_URL), or start `npm run dev`');
  const api = new HubGraphqlClient(settings.url, settings.authorization);
  const need = (what: string) => {
    if (!arg) throw new Error(`${command} needs ${what}`);
    return arg;
  };
  switch (command) {
    case 'connectors':
      return connectorsCommand(api, out, {
        companyId: values.company,
        status: values.status,
        pageSize,
        limit: limit(null),
      });
    case 'sync':
      return syncCommand(api, out, {
        connectorId: need('a connector id'),
        follow: !values.detach,
        timeoutSeconds: positiveInt(values.timeout, 600, 'timeout'),
      });
    case 'runs':
      return runsCommand(api, out, {
        connectorId: need('a connector id'),
        pageSize,
        limit: limit(20),
      });
    case 'changes':
      return changesCommand(api, out, { runId: need('a run id'), pageSize, limit: limit(500) });
    case 'approve':
    case 'reject':
      return decideCommand(api, out, { runId: need('a run id'), decision: command });
    case 'webhooks':
      return webhooksCommand(api, out, {
        action: arg,
        endpointId: positionals[2],
        companyId: values.company,
        from: values.from,
        pageSize,
        limit: limit(arg === 'deliveries' ? 50 : null),
      });
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
