import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

/** The two sizes every page is checked at: a phone and a laptop. */
export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/**
 * Debian's Chromium (each context gets a fresh profile), or the reason it is missing, for the
 * tests to skip with. Under `CI=true` a missing Chromium is an error instead: CI installs it
 * (scripts/ci-install-system.sh), so its absence is a broken setup, not a reason to pass.
 */
export async function launchBrowser(): Promise<Browser | string> {
  if (!existsSync(CHROMIUM)) {
    const reason = `no Chromium at ${CHROMIUM} (scripts/ci-install-system.sh installs it)`;
    if (process.env.CI === 'true') throw new Error(`CI needs Chromium: ${reason}`);
    return reason;
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A page of a new, isolated browser context (its own storage: another device), phone-sized by default. */
export async function openDevice(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/**
 * Saves a picture of the page: into `e2e/artifacts/` (gitignored), or into `docs/screenshots/`
 * for the READMEs when `UPDATE_SCREENSHOTS=1`.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(ARTIFACTS, '../../docs/screenshots') : ARTIFACTS;
  await mkdir(dir, { recursive: true });
  // Ionic animates page transitions: let them settle so the picture shows the page, not a blend.
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
