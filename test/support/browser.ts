import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium) through playwright-core: no browser is
 * ever downloaded. `.ci/run` installs it with apt-get when it is missing; here a missing Chromium
 * fails the test file with that advice rather than skipping it.
 */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots land here, made by the run and ignored by git. */
export const ARTIFACTS = path.resolve(__dirname, '../artifacts');

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 900 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

const AXE = require.resolve('axe-core/axe.min.js');

export async function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: the browser tests need Debian's Chromium. Run .ci/run (it installs it) or: apt-get update && apt-get install -y chromium`);
  }
  // As root Chromium refuses to start without --no-sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, args });
}

/** One Chromium for a test file: launched before its first test, closed after its last. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running');
    return browser;
  };
}

/** A page in a fresh context (own cookies, downloads allowed) at a viewport, opened at `url`. */
export async function openPage(browser: Browser, url: string, options: { viewport?: ViewportName; locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS[options.viewport ?? 'desktop'], locale: options.locale, acceptDownloads: true });
  const page = await context.newPage();
  const response = await page.goto(url);
  if (!response || !response.ok()) throw new Error(`GET ${url} answered ${response?.status() ?? 'nothing'}`);
  return page;
}

/** Writes a full-page screenshot to test/artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Whether the page scrolls sideways: its content is wider than the viewport. */
export async function scrollsHorizontally(page: Page): Promise<boolean> {
  // Expressions as strings: they run in the page, and tsconfig has no DOM types.
  return page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (WCAG 2 A and AA rules, and axe's best practices) and returns the
 * serious and critical violations, each with the selectors of its elements, so a failing test says
 * what to fix. axe is evaluated through the DevTools protocol: page.addScriptTag would insert an
 * inline <script>, which billflow's pages forbid by their CSP (and the test keeps that CSP on).
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const run = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.map(String).join(' ')) })))`;
  const violations = await page.evaluate<AxeViolation[]>(run);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
