import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../ops/dev-stack.helpers.js';

/** Debian's chromium (`apt-get install -y chromium`, as .ci/run does); never a downloaded one. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'portal');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of every page. */
  problems: string[];
  /** Every URL requested outside the hub and the emulator (a CDN would show up here). */
  foreign: string[];
  /** Main-frame navigations, to prove a screen changed without a reload. */
  navigations(): number;
  close(): Promise<void>;
}

/**
 * Chromium through Playwright with a fresh profile. The emulator's certificate is from a private
 * CA the browser does not trust (a person clicks through the warning once): the context ignores
 * certificate errors for that reason only.
 */
export async function launchBrowser(allowedOrigins: string[]): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, ` +
        'as .ci/run does) or set CHROMIUM_PATH',
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'hub-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const problems: string[] = [];
  const foreign: string[] = [];
  let navigations = 0;
  const page = context.pages()[0] ?? (await context.newPage());
  context.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  context.on('response', (response) => {
    if (response.status() < 400) return;
    const operation = /"operationName":"(\w+)"/.exec(response.request().postData() ?? '')?.[1];
    problems.push(
      `HTTP ${response.status()} ${response.url()}${operation ? ` (${operation})` : ''}`,
    );
  });
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && !allowedOrigins.some((o) => url.startsWith(o))) {
      foreign.push(url);
    }
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    problems,
    foreign,
    navigations: () => navigations,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
