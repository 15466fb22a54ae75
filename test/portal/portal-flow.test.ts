import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { loadProvisionConfig } from '../../src/config.js';
import type { MongoServerHandle } from '../../src/db/provision/mongo-server.js';
import { provisionMongo } from '../../src/db/provision/provision.js';
import { waitFor } from '../helpers/wait.js';
import { gql, spawnDevStack, type SpawnedDevStack } from '../ops/dev-stack.helpers.js';
import { launchBrowser, screenshot, type Browser } from './browser.helpers.js';
import { activeMembers, fullSyncEnded, removeFromSyncGroup } from './seed-flow.helpers.js';

/**
 * The seed guide in a real browser (Debian's Chromium through Playwright) against `npm run dev`:
 * install -> token -> credentials -> Verify -> Microsoft's consent page -> Connection Verified ->
 * sync group -> rules -> Save -> Connected without a reload -> a change in Entra (the emulator's
 * control API) as a live run -> a guarded run approved. Then the Actions menu, errors, keyboard,
 * GraphiQL and a phone-sized screen. Screenshots go to test-results/portal/.
 */
describe('the reference portal in Chromium, against the dev stack', () => {
  let db: MongoServerHandle;
  let dir: string;
  let stack: SpawnedDevStack;
  let browser: Browser;
  let page: Page;
  let companyId = '';
  let connectorId = '';
  let firstToken = '';
  const consentVisits: string[] = [];

  beforeAll(async () => {
    const provider =
      process.env['HUB_TEST_MONGO_PROVIDER'] === 'memory-server' ? 'memory-server' : 'ferretdb';
    db = await provisionMongo({ ...loadProvisionConfig({}), provider });
    dir = await mkdtemp(path.join(tmpdir(), 'hub-portal-'));
    stack = await spawnDevStack({
      dir,
      env: { PATH: process.env['PATH'], MONGODB_URI: db.uri, HUB_DB_PROVIDER: 'uri' },
    });
    browser = await launchBrowser([stack.info.hubUrl, stack.info.emulatorUrl]);
    page = browser.page;
    page.setDefaultTimeout(15_000);
    browser.context.on('request', (request) => {
      if (request.url().startsWith(stack.info.emulatorUrl) && request.isNavigationRequest()) {
        consentVisits.push(request.url());
      }
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (stack && stack.child.exitCode === null) {
      stack.child.kill('SIGINT');
      await stack.exited;
    }
    await db?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const s = () => stack.info;
  const hub = <T>(query: string, variables: Record<string, unknown> = {}) =>
    gql<T>(s().graphqlUrl, s().partnerAdminJwt, query, variables);
  const badge = () => page.locator(`tr[data-connector-id="${connectorId}"] .badge`);
  const actions = async (item: string) => {
    await page.getByLabel('Select Azure AD').check();
    await page.getByRole('button', { name: /Actions/ }).click();
    await page.getByRole('menuitem', { name: item }).click();
  };
  it('opens signed in from the printed URL; in development one click signs in either demo admin', async () => {
    expect(stack.output.join('')).toContain(s().portalUrl);
    await page.goto(s().portalUrl);
    await page.getByRole('heading', { name: 'Companies' }).waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('partner admin');
    expect(page.url()).not.toContain('token='); // taken from the address bar at once
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in as the demo company admin' }).click();
    await page.getByRole('heading', { name: 'Contoso (demo)' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('textbox', { name: /JWT/ }).waitFor();
    await screenshot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in as the demo partner admin' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Companies' })
      .click();
    await page.getByRole('link', { name: 'Contoso (demo)' }).waitFor();
    await screenshot(page, '02-companies');
  }, 60_000);

  it('adds a company and installs the connector: the token is shown once, with copy', async () => {
    await page.getByLabel('Name').fill('Fabrikam (browser test)');
    await page.getByRole('button', { name: 'Add company' }).click();
    await page.getByRole('link', { name: 'Fabrikam (browser test)' }).click();
    companyId = /companies\/(\w+)/.exec(page.url())![1]!;
    await page.getByRole('button', { name: 'Install' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Install' }).click();
    const token = dialog.getByLabel('Authentication token');
    await token.waitFor();
    firstToken = await token.inputValue();
    expect(firstToken).toMatch(/^ehct_/);
    expect(await dialog.textContent()).toContain('Save it now');
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(firstToken);
    await screenshot(page, '03-install-token');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('tab', { name: 'Azure Auth', selected: true }).waitFor();
    connectorId = /connectors\/(\w+)\/auth/.exec(page.url())![1]!;
  }, 60_000);

  it('Azure Auth: a bad value gets its code and action; Verify -> Microsoft consent -> Connection Verified', async () => {
    await page.getByLabel('Directory (tenant) ID').fill('not-a-guid');
    await page.getByLabel('Application (client) ID').fill(s().clientId);
    await page.getByLabel('Client secret Value').fill(s().clientSecret);
    await page.getByRole('button', { name: 'Verify Connection' }).click();
    const problem = page.locator('[role=alert][data-code="BAD_USER_INPUT"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/tenantId.*What to do: Correct the field/s);
    await screenshot(page, '04-error-with-action');

    await page.getByLabel('Directory (tenant) ID').fill(s().tenantId);
    await page.getByLabel('Client secret Value').fill(s().clientSecret);
    await page.getByRole('button', { name: 'Verify Connection' }).click();
    // The demo app has no admin consent: the browser goes to Microsoft and comes back.
    await page.waitForURL(/\/portal\/connectors\/\w+\/auth\?result=/, { timeout: 30_000 });
    expect(consentVisits.some((url) => url.includes('adminconsent'))).toBe(true);
    await page.getByText('Connection Verified').first().waitFor();
    expect(page.url()).toContain('result=verified');
    await screenshot(page, '05-connection-verified');
  }, 60_000);

  it('Users & Groups: searches the tenant, picks the sync group and an optional group', async () => {
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('tab', { name: 'Users & Groups', selected: true }).waitFor();
    await page.getByLabel('Search Entra groups').fill('Password Boss');
    await page.getByRole('button', { name: 'Search' }).click();
    await page
      .getByRole('button', { name: 'Select Password Boss Users as the sync group' })
      .click();
    await waitFor(
      async () => (await page.getByTestId('sync-group').textContent()) === 'Password Boss Users',
      15_000,
      'the sync group to be selected',
    );
    await screenshot(page, '06-sync-group');
    await page.getByLabel('Search Entra groups').fill('Sales');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('Also sync Sales').check();
    await screenshot(page, '06-optional-group');
    await page.getByRole('button', { name: 'Next' }).click();
  }, 60_000);

  it('Sync Rules shows the defaults; Save Changes; the Connected badge appears without a reload', async () => {
    await page.getByRole('tab', { name: 'Sync Rules', selected: true }).waitFor();
    expect(await page.getByLabel('User removed from the sync group').inputValue()).toBe('DISABLE');
    expect(await page.getByLabel('Mass-change guard: users').inputValue()).toBe('25');
    await screenshot(page, '07-sync-rules');
    await page.getByRole('button', { name: 'Save Changes' }).click();
    await badge().waitFor();
    const navigations = browser.navigations();
    await page
      .locator(`tr[data-connector-id="${connectorId}"] .badge[data-status="CONNECTED"]`)
      .waitFor({ timeout: 90_000 });
    expect(browser.navigations()).toBe(navigations);
    await page.getByText(/^Live: Connected/).waitFor();
    await screenshot(page, '08-connected');
  }, 120_000);

  it('the Users tab lists the synced users as Managed By Azure AD', async () => {
    await page
      .getByRole('navigation', { name: 'Company' })
      .getByRole('link', { name: 'Users' })
      .click();
    const managed = page.locator('td[data-label="Managed By"]', { hasText: 'Azure AD' });
    await managed.first().waitFor();
    expect(await managed.count()).toBeGreaterThan(10);
    await screenshot(page, '09-users');
    await page
      .getByRole('navigation', { name: 'Company' })
      .getByRole('link', { name: 'Connectors' })
      .click();
  }, 60_000);

  it('Actions > Synchronize Now shows the run live until it ends', async () => {
    await page.getByLabel('Select Azure AD').check();
    await page.getByRole('button', { name: /Actions/ }).click();
    await page.getByRole('menuitem', { name: 'Synchronize Now' }).waitFor();
    await screenshot(page, '10-actions-menu');
    await page.getByRole('menuitem', { name: 'Synchronize Now' }).click();
    await page
      .locator('section[data-run-id] .badge[data-status="SUCCEEDED"]')
      .waitFor({ timeout: 60_000 });
    await screenshot(page, '10-synchronize-now-run');
  }, 90_000);

  it('a member removed in Entra (emulator control API) shows up as a live run', async () => {
    await actions('Sync runs');
    await page.getByRole('heading', { name: 'Sync runs' }).waitFor();
    const navigations = browser.navigations();
    const [leaver] = await activeMembers(s(), companyId, 1);
    await removeFromSyncGroup(s(), leaver!);
    const liveRun = page
      .locator('tbody.live-rows tr[data-run-status="SUCCEEDED"]')
      .filter({ has: page.locator('td[data-label="Disabled"]', { hasText: /^1$/ }) });
    await liveRun.first().waitFor({ timeout: 60_000 });
    expect(browser.navigations()).toBe(navigations);
    await screenshot(page, '11-live-run');
  }, 90_000);

  it('a guarded run (mass-change guard) waits; its staged changes are shown and approved', async () => {
    await page.goto(`${s().hubUrl}/portal/connectors/${connectorId}/rules`);
    await page.getByLabel('Mass-change guard: percent').fill('0');
    await page.getByLabel('Mass-change guard: users').fill('1');
    await page.getByRole('button', { name: 'Save Changes' }).click();
    await badge().waitFor();
    // Saving again runs a full sync: let it end first, so the two leavers land in one later run.
    await fullSyncEnded(s(), connectorId);
    await page.goto(`${s().hubUrl}/portal/connectors/${connectorId}/runs`);
    await page.getByRole('heading', { name: 'Sync runs' }).waitFor();
    const leavers = await activeMembers(s(), companyId, 2);
    for (const leaver of leavers) await removeFromSyncGroup(s(), leaver);
    const guarded = page.locator('tbody.live-rows tr[data-run-status="NEEDS_APPROVAL"]');
    await guarded.first().waitFor({ timeout: 60_000 });
    await guarded.first().getByRole('link').click();
    await page.getByText('2 changes wait for your approval').waitFor();
    const staged = page.locator('section', {
      has: page.getByRole('heading', { name: 'Staged changes' }),
    });
    expect(await staged.locator('tbody tr').count()).toBe(2);
    await screenshot(page, '12-needs-approval');
    await page.getByRole('button', { name: 'Approve changes' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Staged changes approved by/ })
      .waitFor();
    await page.locator('h1 .badge[data-status="SUCCEEDED"]').waitFor();
    await screenshot(page, '13-approved');
    const users = await hub<{ directoryUsers: { nodes: { entraId: string; status: string }[] } }>(
      `query($c: ID!) { directoryUsers(companyId: $c, status: DISABLED, first: 50) { nodes { entraId status } } }`,
      { c: companyId },
    );
    const disabled = new Set(users.data!.directoryUsers.nodes.map((u) => u.entraId));
    expect(leavers.every((id) => disabled.has(id))).toBe(true);
  }, 150_000);

  it('a wrong client secret is explained with what to do; the right one verifies again', async () => {
    await page.goto(`${s().hubUrl}/portal/connectors/${connectorId}/auth`);
    await page.getByLabel('Client secret Value').fill('Wr0ng~secret-value-for-the-test');
    await page.getByRole('button', { name: 'Verify Connection' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'What to do' });
    await problem.first().waitFor({ timeout: 30_000 });
    await screenshot(page, '14-wrong-secret');
    await page.getByLabel('Client secret Value').fill(s().clientSecret);
    await page.getByRole('button', { name: 'Verify Connection' }).click();
    await page.getByText('Connection Verified').first().waitFor({ timeout: 30_000 });
  }, 90_000);

  it('keyboard only: the Actions menu and the connector tabs', async () => {
    await page.goto(`${s().hubUrl}/portal/companies/${companyId}`);
    await page.getByLabel('Select Azure AD').focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: /Actions/ }).focus();
    await page.keyboard.press('Enter');
    const focused = page.locator('[role=menuitem]:focus');
    await focused.waitFor();
    // As a user does: one key, then look where the focus went. Radix moves it in a timer after
    // the key, so keys pressed before it moved all start from the same item.
    for (let i = 0; i < 6; i += 1) {
      const item = await focused.textContent();
      if (item === 'Sync runs') break;
      await page.keyboard.press('ArrowDown');
      await focused.filter({ hasNotText: new RegExp(`^${item}$`) }).waitFor();
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sync runs' }).waitFor();
    await page.goto(`${s().hubUrl}/portal/connectors/${connectorId}/auth`);
    await page.getByRole('tab', { name: 'Azure Auth', selected: true }).focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('[role=tab]:focus', { hasText: 'Users & Groups' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Users & Groups', selected: true }).waitFor();
    expect(page.url()).toMatch(/\/groups$/);
  }, 60_000);

  it('GraphiQL at /graphql: a query with the Authorization header, a subscription over graphql-ws', async () => {
    await page.goto(s().graphqlUrl);
    // GraphiQL opens its socket at the first subscription, after this.
    const subscribed = new Promise<void>((resolve) => {
      page.on('websocket', (socket) =>
        socket.on('framesent', (frame) => {
          if (String(frame.payload).includes('"type":"subscribe"')) resolve();
        }),
      );
    });
    // With two operations in the editor, Execute is a menu once GraphiQL has parsed them.
    const run = page.locator('button.graphiql-execute-button[aria-haspopup="menu"]');
    await run.waitFor({ timeout: 60_000 });
    await run.click();
    await page.getByRole('menuitem', { name: 'ConnectorList' }).click();
    const response = page.locator('.graphiql-response');
    await waitFor(
      async () => (await response.textContent())?.includes(connectorId),
      30_000,
      'the query answer',
    );
    await run.click();
    await page.getByRole('menuitem', { name: 'ConnectorStatus' }).click();
    await subscribed;
    // The subscribe message is sent; the hub may take a moment to register it, so the change is
    // made again (enable, disable) until GraphiQL shows the event.
    const setEnabled = (enabled: boolean) =>
      hub(
        `mutation($c: ID!, $e: Boolean!) { setConnectorEnabled(connectorId: $c, enabled: $e) { id } }`,
        {
          c: connectorId,
          e: enabled,
        },
      );
    await waitFor(
      async () => {
        if ((await response.textContent())?.includes('DISABLED')) return true;
        await setEnabled(true);
        await setEnabled(false);
        return false;
      },
      30_000,
      'the live event in GraphiQL',
      2_000,
    );
    await screenshot(page, '15-graphiql');
    expect((await setEnabled(true)).errors).toBeUndefined();
  }, 120_000);

  it('Actions: Disable, Enable, Rotate token (shown once), Uninstall only after confirmation', async () => {
    await page.goto(`${s().hubUrl}/portal/companies/${companyId}`);
    await badge().and(page.locator(':not([data-status="DISABLED"])')).waitFor();
    await actions('Disable');
    await badge().and(page.locator('[data-status="DISABLED"]')).waitFor();
    await actions('Enable');
    await badge().and(page.locator(':not([data-status="DISABLED"])')).waitFor();

    await actions('Rotate token');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Rotate token' }).click();
    const token = await dialog.getByLabel('Authentication token').inputValue();
    expect(token).toMatch(/^ehct_/);
    expect(token).not.toBe(firstToken);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await actions('Uninstall');
    await screenshot(page, '16-uninstall-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await badge().count()).toBe(1);
    await actions('Uninstall');
    await page.getByRole('dialog').getByRole('button', { name: 'Uninstall' }).click();
    await page.getByRole('button', { name: 'Install', exact: true }).waitFor();
    expect(await badge().count()).toBe(0);
  }, 90_000);

  it('works at 390 px wide: no sideways scrolling on the connector list and the edit tabs', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s().hubUrl}/portal/companies/${s().companyId}`);
    await page.locator(`tr[data-connector-id="${s().connectorId}"]`).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, '17-phone-connectors');
    await page.goto(`${s().hubUrl}/portal/connectors/${s().connectorId}/rules`);
    await page.getByRole('button', { name: 'Save Changes' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, '18-phone-sync-rules');
  }, 60_000);

  it('loaded nothing from outside the hub and the emulator, and logged no browser errors', () => {
    expect(browser.foreign).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});
