/**
 * `npm run dev [-- --reset] [--port N] [--emulator-port N] [--users N] [--dir PATH] [--quiet|--verbose]`:
 * the whole product on one machine with no configuration. Provisions the database (data kept in
 * .dev/), starts the Entra/Graph emulator with a seeded demo tenant, runs the hub
 * (`node dist/src/main.js`) with webhooks pointed at itself and the portal on, creates a demo
 * partner, company and an installed (not yet verified) connector, writes .dev/stack.json and
 * prints a short summary; then one line per connector status change and sync run, from the
 * hub's live events. Ctrl-C stops it all.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/config.js';
import { followLiveEvents } from './dev/live-log.js';
import { startDevStack, type StackInfo } from './dev/stack.js';

const USAGE = `usage: npm run dev -- [options]
  --reset              forget the dev data (.dev/) and start from scratch
  --port N             hub HTTP port (default 4000; 0 = any free port)
  --emulator-port N    emulator HTTPS port (default 8443; 0 = any free port)
  --receiver-port N    demo webhook receiver port (default 4100; 0 = any free port)
  --users N            people in the demo tenant (default 300)
  --dir PATH           where data, secrets, logs and stack.json live (default .dev)
  --quiet              only the summary and the hub's errors (no live event lines)
  --verbose            also the hub's info lines (request lines stay in hub.log)
`;

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a number`);
  return parsed;
}

function print(info: StackInfo, dir: string): void {
  const rows: [string, string][] = [
    ['Portal', `${info.portalUrl}`],
    ['', '(signed in as the demo partner admin; open it in a browser)'],
    ['GraphQL / GraphiQL', info.graphqlUrl],
    ['partner-admin JWT', info.partnerAdminJwt],
    ['company-admin JWT', info.companyAdminJwt],
    ['company', info.companyId],
    ['connector', info.connectorId],
    ['connector token', info.connectorToken ?? '(shown at the first install only)'],
    ['tenant id', info.tenantId],
    ['client id', info.clientId],
    ['client secret', info.clientSecret],
    ['sync group', `${info.syncGroupId} (Password Boss Users)`],
    ['nested group', `${info.nestedGroupId} (Password Boss Admins)`],
    ['other groups', info.extraGroupIds.join(' ')],
    ['emulator control', info.emulatorControlUrl],
    ['webhook receiver', `${info.webhookReceiverUrl} (endpoint ${info.webhookEndpointId})`],
    ['health', `${info.hubUrl}/readyz  ${info.hubUrl}/metrics`],
    ['logs', `${info.logFile}  ${info.devLogFile}  ${info.webhookLogFile}`],
  ];
  console.log('\nEntra connector hub: dev stack ready');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(20)}${value}`);
  console.log(`\nAll of it is in ${path.join(dir, 'stack.json')}. Open the portal and follow the`);
  console.log(
    'seed guide: Edit the connector, enter the credentials, Verify Connection, pick the group,',
  );
  console.log('Save Changes. Or the operations of docs/api.md, or `npm run hub -- connectors`.');
  console.log(
    'Connector status changes, sync runs and the webhooks the demo receiver verifies appear',
  );
  console.log('below as they happen. Ctrl-C to stop.\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      port: { type: 'string' },
      'emulator-port': { type: 'string' },
      'receiver-port': { type: 'string' },
      users: { type: 'string' },
      dir: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
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
    receiverPort: int(values['receiver-port'], 4100, 'receiver-port'),
    users: int(values.users, 300, 'users'),
    echoLevel: values.quiet ? 'error' : values.verbose ? 'info' : 'warn',
    log: (line) => console.log(line),
    printWebhook: values.quiet ? null : (line) => console.log(line),
  });
  print(stack.info, dir);
  const events = values.quiet
    ? null
    : followLiveEvents({
        graphqlUrl: stack.info.graphqlUrl,
        partnerAdminJwt: stack.info.partnerAdminJwt,
        connectorIds: [stack.info.connectorId],
        print: (line) => console.log(line),
      });

  let stopping = false;
  const shutdown = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping the hub, the emulator and the database`);
    const stopEvents = events ? events.stop().catch(() => undefined) : Promise.resolve();
    stopEvents
      .then(() => stack.stop())
      .then(
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
