/**
 * `npm run emulator -- --users 10000 --groups 200 [--port N] [--dev]`: a seeded local Entra
 * tenant over HTTPS for the dev demo. Prints what the hub needs to connect, then serves until
 * SIGINT/SIGTERM. The only place in src/emulator that writes to stdout.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type RunningEmulator } from './index.js';

const USAGE = `usage: npm run emulator -- [options]
  --users N            users to generate (default 1000)
  --groups N           groups besides the sync group (default 50)
  --sync-members N     users in "Password Boss Users" (default 25)
  --port N             HTTPS port (default 8443; 0 = any free port)
  --host ADDRESS       interface to listen on (default 127.0.0.1)
  --dev                accept http://localhost notification URLs
  --admin-key KEY      require "Authorization: Bearer KEY" on the control API
  --ca-file PATH       where to write the CA certificate (default: OS temp dir)
  --seed N             generator seed (default 42)
  --quiet              do not log requests
`;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative integer`);
  return parsed;
}

interface CliOptions {
  users: number;
  groups: number;
  syncMembers: number;
  port: number;
  host: string;
  dev: boolean;
  adminKey: string | undefined;
  caFile: string | undefined;
  seed: number;
  quiet: boolean;
}

/** The command line, every number checked before anything starts; null for `--help`. */
function readOptions(): CliOptions | null {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      groups: { type: 'string' },
      'sync-members': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      dev: { type: 'boolean', default: false },
      'admin-key': { type: 'string' },
      'ca-file': { type: 'string' },
      seed: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const users = int(values.users, 1000, 'users');
  return {
    users,
    groups: int(values.groups, 50, 'groups'),
    syncMembers: int(values['sync-members'], Math.min(users, 25), 'sync-members'),
    port: int(values.port, 8443, 'port'),
    host: values.host ?? '127.0.0.1',
    dev: values.dev,
    adminKey: values['admin-key'],
    caFile: values['ca-file'],
    seed: int(values.seed, 42, 'seed'),
    quiet: values.quiet,
  };
}

/** One tenant with the hub's app registered in it (single-tenant, as the seed guide sets it up). */
function seedDevTenant(emulator: RunningEmulator, options: CliOptions) {
  const control = emulator.control;
  const tenant = control.createTenant({
    defaultDomain: 'contoso-dev.onmicrosoft.com',
    displayName: 'Contoso (emulated)',
  });
  const app = control.createApp({
    displayName: 'Entra connector hub (dev)',
    homeTenantId: tenant.id,
  });
  const secret = control.addSecret(app.clientId);
  control.grantConsent(tenant.id, app.clientId);
  const generated = control.generateTenant(tenant.id, {
    users: options.users,
    groups: options.groups,
    syncGroupMembers: options.syncMembers,
    guestShare: 0.05,
    disabledShare: 0.03,
    syncGroupNonUserMembers: 2,
    seed: options.seed,
  });
  return { tenant, app, secret, generated };
}

function printBanner(
  emulator: RunningEmulator,
  options: CliOptions,
  seeded: ReturnType<typeof seedDevTenant>,
  caFile: string,
): void {
  const { tenant, app, secret, generated } = seeded;
  out('Entra ID + Microsoft Graph emulator');
  out(`  tenant id        ${tenant.id} (${tenant.defaultDomain})`);
  out(`  client id        ${app.clientId}`);
  // The dev tenant's secret is printed on purpose: it is what the developer pastes into the hub.
  out(`  client secret    ${secret.secretText}`);
  out(`  sync group id    ${generated.syncGroupId}`);
  out(
    `  users / groups   ${options.users} / ${options.groups + 1} (${generated.memberships} memberships, ${generated.durationMs} ms)`,
  );
  out(`  authority host   ${emulator.authorityHost}`);
  out(`  Graph base URL   ${emulator.graphBaseUrl}   (the hub appends /v1.0)`);
  out(`  control API      ${emulator.url}/_emulator   (see docs/emulator.md)`);
  out(`  CA certificate   ${caFile}   (NODE_EXTRA_CA_CERTS=${caFile})`);
  out(
    `  notifications    ${options.dev ? 'http://localhost receivers allowed (dev mode)' : 'https receivers only'}`,
  );
  out('Ctrl+C to stop.');
}

/** The first SIGINT or SIGTERM stops the emulator gracefully; a second one is ignored. */
function stopOnSignals(emulator: RunningEmulator): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n${signal}: stopping the emulator`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    out(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    allowHttpNotificationUrls: options.dev,
    ...(options.adminKey !== undefined ? { adminKey: options.adminKey } : {}),
    ...(options.quiet ? {} : { logger: (line: string) => out(`[emulator] ${line}`) }),
  });
  const seeded = seedDevTenant(emulator, options);
  const caFile = await emulator.writeCaFile(options.caFile);
  printBanner(emulator, options, seeded, caFile);
  stopOnSignals(emulator);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(1);
});
