/**
 * Headless Chromium for the HTML report tests: playwright-core driving Debian's /usr/bin/chromium
 * (no browser download). Open a page from file://, evaluate, take screenshots, collect what the
 * page logged or requested; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** false when Chromium is installed, else the reason every browser test skips with. */
export const skipBrowser: string | false = existsSync(CHROMIUM)
  ? false
  : 'chromium not installed: run scripts/install-chromium.sh';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--hide-scrollbars',
];
/** Start-up, navigation and each page action; a test's own timeout bounds the whole. */
const TIMEOUT_MS = 20_000;

/** Full page, the viewport, or one element (by id) at its full size. */
export type ShotArea = 'page' | 'viewport' | { element: string };

/** What a page logged or requested that an offline, script-free report never should. */
export interface Problems {
  /** Console errors and warnings (CSP violations among them) and uncaught exceptions. */
  errors: string[];
  /** Every URL requested. */
  requests: string[];
}

export interface Page {
  /** A desktop viewport of that size (device scale 1). */
  setViewport(width: number, height: number): Promise<void>;
  /** Emulates prefers-color-scheme, or without an argument goes back to the system's (light). */
  emulateColorScheme(scheme?: 'light' | 'dark'): Promise<void>;
  /** Navigates to the file's file:// URL and waits for its load event. */
  open(path: string): Promise<void>;
  /** Evaluates an expression whose value is a JSON string and returns it parsed; asserts it has one. */
  evaluate<T>(expression: string, what?: string): Promise<T>;
  /** Writes a PNG of the area to path and returns it. */
  screenshot(path: string, area: ShotArea): Promise<Buffer>;
}

export interface Browser {
  /** A new page in a fresh context, 1280×900 until setViewport. */
  openPage(): Promise<Page>;
  /** The console errors, exceptions and requests of every page so far. */
  problems(): Problems;
  /** Closes the browser (idempotent): call it in a finally. */
  close(): Promise<void>;
}

/** Starts Debian's Chromium headless on a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: FLAGS,
    timeout: TIMEOUT_MS,
  });
  const problems: Problems = { errors: [], requests: [] };
  return {
    openPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.setDefaultTimeout(TIMEOUT_MS);
      page.on('console', (message) => {
        if (['error', 'warning', 'assert'].includes(message.type())) problems.errors.push(message.text());
      });
      page.on('pageerror', (error) => problems.errors.push(`uncaught: ${error.message}`));
      page.on('request', (request) => problems.requests.push(request.url()));
      return {
        setViewport: (width, height) => page.setViewportSize({ width, height }),
        emulateColorScheme: (scheme) => page.emulateMedia({ colorScheme: scheme ?? 'light' }),
        open: async (path) => {
          await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
        },
        evaluate: async <T>(expression: string, what = `evaluated: ${expression.slice(0, 60)}`) => {
          const value: unknown = await page.evaluate(expression);
          assert.ok(typeof value === 'string' && value, what);
          return JSON.parse(value) as T;
        },
        screenshot: (path, area) =>
          area === 'page' || area === 'viewport'
            ? page.screenshot({ path, fullPage: area === 'page' })
            : page.locator(`#${area.element}`).screenshot({ path }),
      };
    },
    problems: () => problems,
    close: () => browser.close(),
  };
}

/** Rejects when the promise has not settled within ms, naming what did not answer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
