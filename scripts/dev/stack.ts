import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { mintPortalJwt } from '../../src/cli/portal-jwt.js';
import { withDatabase } from '../../src/db/provision/mongo-server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { seedDemoTenant, stableGuid } from './demo-tenant.js';
import { ensureDemoConnector, type DemoState } from './demo-setup.js';
import { provisionDatabase } from './database.js';
import { startDemoWebhooks } from './demo-webhooks.js';
import {
  AUDIENCE,
  hubEnv,
  ISSUER,
  startHubProcess,
  waitUntilReady,
  type DevSecrets,
  type EchoLevel,
} from './hub-process.js';

export interface DevStackOptions {
  root: string;
  /** Where data, secrets, logs and stack.json live (default <root>/.dev). */
  dir: string;
  reset: boolean;
  hubPort: number;
  emulatorPort: number;
  /** The demo webhook receiver's port (0 = any free port). */
  receiverPort: number;
  users: number;
  /** The hub's log lines on the console from this level up (all of them are in hub.log). */
  echoLevel: EchoLevel;
  log: (line: string) => void;
  /** One line per event the demo webhook receiver verifies; null: none (--quiet). */
  printWebhook: ((line: string) => void) | null;
}

/** Written to .dev/stack.json: everything needed to follow the README against the stack. */
export interface StackInfo {
  /** The portal, signed in as the demo partner admin (the JWT is in the fragment). */
  portalUrl: string;
  graphqlUrl: string;
  hubUrl: string;
  partnerAdminJwt: string;
  companyAdminJwt: string;
  partnerId: string;
  companyId: string;
  connectorId: string;
  connectorToken: string | null;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
  nestedGroupId: string;
  extraGroupIds: string[];
  emulatorUrl: string;
  emulatorControlUrl: string;
  emulatorCaFile: string;
  /** The demo receiver of the demo company's outbound webhooks, and its endpoint. */
  webhookReceiverUrl: string;
  webhookEndpointId: string;
  /** Every event the receiver verified, one JSON line each. */
  webhookLogFile: string;
  jwt: { secret: string; issuer: string; audience: string };
  database: { provider: string; description: string };
  logFile: string;
  /** The launcher's own details (how the database was provisioned). */
  devLogFile: string;
  pid: number;
  hubPid: number;
}

export interface RunningDevStack {
  info: StackInfo;
  /** Resolves when the hub process ends on its own (a crash). */
  hubExited: Promise<string>;
  stop(): Promise<void>;
}

const PARTNER_ID = 'demo-partner';

export async function startDevStack(options: DevStackOptions): Promise<RunningDevStack> {
  const { dir, log } = options;
  if (options.reset) {
    await rm(dir, { recursive: true, force: true });
    log(`reset: removed ${dir}`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secrets = await loadOrCreate<DevSecrets>(path.join(dir, 'secrets.json'), () => ({
    authJwtSecret: randomBytes(32).toString('base64url'),
    encryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
  }));
  const saved = await loadOrCreate<DemoState>(path.join(dir, 'demo.json'), () => ({
    tenantId: stableGuid('tenant', randomUUID()),
    clientId: stableGuid('app', randomUUID()),
    partnerId: PARTNER_ID,
  }));

  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => log(`shutdown step failed: ${String(error)}`));
    }
    stops.length = 0;
  };

  const devLogFile = path.join(dir, 'dev.log');
  const devLog = createWriteStream(devLogFile, { flags: 'a' });
  stops.push(() => new Promise<void>((resolve) => devLog.end(resolve)));
  try {
    const db = await provisionDatabase(dir, log, (line) =>
      devLog.write(`${new Date().toISOString()} [db] ${line}\n`),
    );
    stops.push(() => db.stop());

    const hubPort = options.hubPort === 0 ? await freePort() : options.hubPort;
    const hubUrl = `http://127.0.0.1:${hubPort}`;
    const emulator = await startEmulator({
      port: options.emulatorPort,
      allowHttpNotificationUrls: true,
      notificationBatchWindowMs: 200,
    });
    stops.push(() => emulator.stop());
    const control = emulator.control;
    const tenant = seedDemoTenant(control, { tenantId: saved.tenantId, users: options.users });
    control.createApp({
      clientId: saved.clientId,
      homeTenantId: tenant.tenantId,
      displayName: 'Password Boss AD Connector',
      redirectUris: [`${hubUrl}/azure/callback`],
    });
    const secret = control.addSecret(saved.clientId, { expiresInSeconds: 730 * 24 * 3600 });
    const caFile = await emulator.writeCaFile(path.join(dir, 'emulator-ca.pem'));
    log(
      `[emulator] ${emulator.url}: tenant ${tenant.tenantId}, ${tenant.userIds.length} users, ` +
        `${tenant.extraGroupIds.length + 2} groups`,
    );

    const logFile = path.join(dir, 'hub.log');
    const signInFile = path.join(dir, 'portal-sign-in.json');
    const hub = startHubProcess({
      mainPath: path.join(options.root, 'dist', 'src', 'main.js'),
      logFile,
      echoLevel: options.echoLevel,
      echo: log,
      env: hubEnv({
        hubPort,
        hubUrl,
        mongodbUri: withDatabase(db.uri, 'entra_hub_dev'),
        emulatorUrl: emulator.url,
        caFile,
        secrets,
        signInFile,
      }),
    });
    stops.push(() => hub.stop());
    const graphqlUrl = `${hubUrl}/graphql`;
    await waitUntilReady(`${hubUrl}/readyz`, hub.exited, hub.recentLines);

    const jwt = { secret: secrets.authJwtSecret, issuer: ISSUER, audience: AUDIENCE };
    // Fresh at every start, within the hub's maximum JWT lifetime (AUTH_JWT_MAX_LIFETIME_SECONDS).
    const lifetime = 12 * 3600;
    const partnerAdminJwt = await mintPortalJwt({
      ...jwt,
      role: 'PARTNER_ADMIN',
      scopeId: saved.partnerId,
      subject: 'demo-partner-admin',
      expiresInSeconds: lifetime,
    });
    const demo = await ensureDemoConnector({
      graphqlUrl,
      partnerJwt: partnerAdminJwt,
      state: saved,
      clientSecret: secret.secretText,
      regrantConsent: () => void control.grantConsent(saved.tenantId, saved.clientId),
      log,
    });
    const { receiver, webhook, webhookLogFile } = await startDemoWebhooks({
      dir,
      port: options.receiverPort,
      print: options.printWebhook,
      graphqlUrl,
      partnerJwt: partnerAdminJwt,
      demo,
      log,
    });
    stops.push(() => receiver.stop());
    await writeFile(
      path.join(dir, 'demo.json'),
      `${JSON.stringify({ ...demo, ...webhook }, null, 2)}\n`,
      { mode: 0o600 },
    );
    const companyAdminJwt = await mintPortalJwt({
      ...jwt,
      role: 'COMPANY_ADMIN',
      scopeId: demo.companyId,
      subject: 'demo-company-admin',
      expiresInSeconds: lifetime,
    });

    await writeDevSignIns(signInFile, partnerAdminJwt, companyAdminJwt);
    stops.splice(1, 0, () => rm(signInFile, { force: true }));

    const info: StackInfo = {
      portalUrl: `${hubUrl}/portal/#token=${partnerAdminJwt}`,
      graphqlUrl,
      hubUrl,
      partnerAdminJwt,
      companyAdminJwt,
      partnerId: demo.partnerId,
      companyId: demo.companyId,
      connectorId: demo.connectorId,
      connectorToken: demo.connectorToken ?? null,
      tenantId: tenant.tenantId,
      clientId: saved.clientId,
      clientSecret: secret.secretText,
      syncGroupId: tenant.syncGroupId,
      nestedGroupId: tenant.nestedGroupId,
      extraGroupIds: tenant.extraGroupIds,
      emulatorUrl: emulator.url,
      emulatorControlUrl: `${emulator.url}/_emulator`,
      emulatorCaFile: caFile,
      webhookReceiverUrl: receiver.url,
      webhookEndpointId: webhook.webhookEndpointId,
      webhookLogFile,
      jwt,
      database: { provider: db.provider, description: db.description },
      logFile,
      devLogFile,
      pid: process.pid,
      hubPid: hub.child.pid ?? -1,
    };
    const stackFile = path.join(dir, 'stack.json');
    await writeFile(stackFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    stops.splice(1, 0, () => rm(stackFile, { force: true }));
    return { info, hubExited: hub.exited, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The demo admins the portal's sign-in page offers in development (PORTAL_DEV_SIGN_IN_FILE). */
async function writeDevSignIns(file: string, partnerJwt: string, companyJwt: string) {
  const signIns = [
    { label: 'demo partner admin', authorization: `Bearer ${partnerJwt}` },
    { label: 'demo company admin', authorization: `Bearer ${companyJwt}` },
  ];
  await writeFile(file, `${JSON.stringify({ signIns }, null, 2)}\n`, { mode: 0o600 });
}

async function loadOrCreate<T>(file: string, create: () => T): Promise<T> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as T;
  const value = create();
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  return value;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
