/**
 * `npm run dev [-- --reset] [--port N] [--emulator-port N] [--users N] [--dir PATH] [--quiet]`:
 * the whole product on one machine with no configuration. Provisions the database (data kept in
 * .dev/), starts the Entra/Graph emulator with a seeded demo tenant, runs the hub
 * (`node dist/src/main.js`) with webhooks pointed at itself, creates a demo partner, company and
 * an installed (not yet verified) connector, and writes .dev/stack.json. Ctrl-C stops it all.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/config.js';
import { startDevStack, type StackInfo } from './dev/stack.js';

const USAGE = `usage: npm run dev -- [options]
  --reset              forget the dev data (.dev/) and start from scratch
  --port N             hub HTTP port (default 4000; 0 = any free port)
  --emulator-port N    emulator HTTPS port (default 8443; 0 = any free port)
  --users N            people in the demo tenant (default 300)
  --dir PATH           where data, secrets, logs and stack.json live (default .dev)
  --quiet              only warnings and errors from the hub
`;

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a number`);
  return parsed;
}

function print(info: StackInfo, dir: string): void {
  const rows: [string, string][] = [
    ['GraphQL (explorer)', info.graphqlUrl],
    ['partner-admin JWT', info.partnerAdminJwt],
    ['company-admin JWT', info.companyAdminJwt],
    ['company id', info.companyId],
    ['connector id', info.connectorId],
    ['tenant id', info.tenantId],
    ['client id', info.clientId],
    ['client secret', info.clientSecret],
    ['sync group id', `${info.syncGroupId} (Password Boss Users)`],
    ['emulator control', info.emulatorControlUrl],
    ['health', `${info.hubUrl}/readyz  ${info.hubUrl}/metrics`],
    ['hub log', info.logFile],
  ];
  console.log('\nEntra connector hub: dev stack ready');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(20)}${value}`);
  console.log(`\nWritten to ${path.join(dir, 'stack.json')}. Next: the README's "Try it" section`);
  console.log('(enter the credentials, verify, consent, pick the group, save), or the CLI:');
  console.log(
    '`npm run hub -- connectors`, `npm run hub -- sync <connector id>`. Ctrl-C to stop.\n',
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      port: { type: 'string' },
      'emulator-port': { type: 'string' },
      users: { type: 'string' },
      dir: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const root = projectRoot();
  const dir = path.resolve(values.dir ?? path.join(root, '.dev'));
  const stack = await startDevStack({
    root,
    dir,
    reset: values.reset,
    hubPort: int(values.port, 4000, 'port'),
    emulatorPort: int(values['emulator-port'], 8443, 'emulator-port'),
    users: int(values.users, 300, 'users'),
    quiet: values.quiet,
    log: (line) => console.log(line),
  });
  print(stack.info, dir);

  let stopping = false;
  const shutdown = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping the hub, the emulator and the database`);
    stack.stop().then(
      () => {
        console.log('stopped');
        process.exit(code);
      },
      (error: unknown) => {
        console.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT', 0));
  process.once('SIGTERM', () => shutdown('SIGTERM', 0));
  void stack.hubExited.then((outcome) => shutdown(`the hub exited (${outcome})`, 1));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  console.error(USAGE);
  process.exit(1);
});
