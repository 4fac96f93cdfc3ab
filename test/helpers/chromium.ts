/**
 * Headless Chromium for the HTML report tests, driven over the Chrome DevTools Protocol on a pipe
 * (--remote-debugging-pipe: no driver package needed). Launch a browser on a fresh profile, open a
 * page from file://, evaluate, take screenshots, collect what the page logged or requested, close.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
/** false when Chromium is installed, else the reason every browser test skips with. */
export const skipBrowser: string | false = existsSync(CHROMIUM)
  ? false
  : 'chromium not installed: run scripts/install-chromium.sh';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--disable-extensions',
  '--mute-audio',
  '--remote-debugging-pipe',
];

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/**
 * Chrome DevTools Protocol over --remote-debugging-pipe: Chromium reads commands on fd 3 and
 * writes replies and events on fd 4, each a JSON message ended by a NUL byte.
 */
class DevToolsPipe {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }>();
  readonly events: CdpMessage[] = [];
  private readonly waiters: Array<{ method: string; resolve: () => void }> = [];

  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        this.dispatch(JSON.parse(this.buffer.slice(0, end)) as CdpMessage);
        this.buffer = this.buffer.slice(end + 1);
      }
    });
  }

  private dispatch(message: CdpMessage): void {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message);
      return;
    }
    this.events.push(message);
    for (const waiter of this.waiters.filter((w) => w.method === message.method)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (message) => resolve(message.result ?? {}), reject });
      this.input.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  /** Resolves on the next event of that name (register before causing it). */
  next(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** Full page, the viewport, or one element (by id, with an 8 px margin) at its full size. */
export type ShotArea = 'page' | 'viewport' | { element: string };

/** What a page logged or requested that an offline, script-free report never should. */
export interface Problems {
  /** Console errors and warnings, exceptions, log entries (CSP violations among them). */
  errors: string[];
  /** Every URL requested, file: and data: included. */
  requests: string[];
}

/** One tab, attached with the Runtime, Log, Page and Network domains enabled. */
export interface Page {
  /** A raw protocol command on this tab. */
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** A desktop viewport of that size at device scale 1. */
  setViewport(width: number, height: number): Promise<void>;
  /** Emulates prefers-color-scheme, or without an argument clears every media emulation. */
  emulateColorScheme(scheme?: 'light' | 'dark'): Promise<void>;
  /** Navigates to the file's file:// URL and waits for its load event. */
  open(path: string): Promise<void>;
  /** Evaluates an expression whose value is a JSON string and returns it parsed; asserts it has one. */
  evaluate<T>(expression: string, what?: string): Promise<T>;
  /** Writes a PNG of the area to path and returns it. */
  screenshot(path: string, area: ShotArea): Promise<Buffer>;
}

export interface Browser {
  /** Attaches to the first tab (or a new one) and enables the domains a test listens to. */
  openPage(): Promise<Page>;
  /** The console errors, exceptions and requests of every page so far. */
  problems(): Problems;
  /** Everything Chromium wrote on stderr so far. */
  stderr(): string;
  /** Asks the browser to close and waits until the process has exited. */
  close(): Promise<void>;
  /** Kills the browser if it still runs and removes its profile: call it in a finally. */
  dispose(): void;
}

/** Starts headless Chromium with the standard flags on a fresh profile in a temporary folder. */
export function launchChromium(): Browser {
  const profile = mkdtempSync(join(tmpdir(), 'kvmbench-chromium-'));
  const child: ChildProcess = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const devtools = new DevToolsPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
  child.on('exit', () => devtools.failAll(new Error(`chromium exited early:\n${stderr.slice(-2000)}`)));

  return {
    openPage: async () => {
      const { targetInfos } = (await devtools.send('Target.getTargets')) as {
        targetInfos: Array<{ targetId: string; type: string }>;
      };
      const targetId =
        targetInfos.find((target) => target.type === 'page')?.targetId ??
        String((await devtools.send('Target.createTarget', { url: 'about:blank' }))['targetId']);
      const { sessionId } = (await devtools.send('Target.attachToTarget', { targetId, flatten: true })) as {
        sessionId: string;
      };
      for (const domain of ['Runtime', 'Log', 'Page', 'Network'])
        await devtools.send(`${domain}.enable`, {}, sessionId);
      return pageOn(devtools, sessionId);
    },
    problems: () => problemsIn(devtools.events),
    stderr: () => stderr,
    close: async () => {
      const exited = once(child, 'exit');
      await devtools.send('Browser.close').catch(() => undefined);
      await exited;
    },
    dispose: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function pageOn(devtools: DevToolsPipe, sessionId: string): Page {
  const send = (method: string, params: Record<string, unknown> = {}) => devtools.send(method, params, sessionId);
  const evaluate = async <T>(expression: string, what = `evaluated: ${expression.slice(0, 60)}`): Promise<T> => {
    const evaluated = await send('Runtime.evaluate', { expression, returnByValue: true });
    const value = (evaluated['result'] as { value?: string } | undefined)?.value;
    assert.ok(value, what);
    return JSON.parse(value) as T;
  };
  return {
    send,
    evaluate,
    setViewport: async (width, height) => {
      await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    },
    emulateColorScheme: async (scheme) => {
      await send('Emulation.setEmulatedMedia', {
        features: scheme ? [{ name: 'prefers-color-scheme', value: scheme }] : [],
      });
    },
    open: async (path) => {
      const loaded = devtools.next('Page.loadEventFired');
      await send('Page.navigate', { url: pathToFileURL(path).href });
      await loaded;
    },
    screenshot: async (path, area) => {
      const params: Record<string, unknown> = { format: 'png', optimizeForSpeed: true };
      if (area === 'page') {
        const metrics = await send('Page.getLayoutMetrics');
        const size = metrics['cssContentSize'] as { width: number; height: number };
        params['captureBeyondViewport'] = true;
        params['clip'] = { x: 0, y: 0, width: size.width, height: size.height, scale: 1 };
      } else if (area !== 'viewport') {
        const box = await evaluate<Record<string, number>>(
          `(() => { const box = document.getElementById(${JSON.stringify(area.element)}).getBoundingClientRect();
            return JSON.stringify({ x: box.left + scrollX - 8, y: box.top + scrollY - 8, width: box.width + 16, height: box.height + 16 }); })()`,
          `element #${area.element} found`,
        );
        params['captureBeyondViewport'] = true;
        params['clip'] = { ...box, scale: 1 };
      }
      const shot = await send('Page.captureScreenshot', params);
      const png = Buffer.from(String(shot['data']), 'base64');
      writeFileSync(path, png);
      return png;
    },
  };
}

function problemsIn(events: CdpMessage[]): Problems {
  const errors: string[] = [];
  const requests: string[] = [];
  for (const event of events) {
    const params = event.params ?? {};
    if (event.method === 'Runtime.exceptionThrown') errors.push(JSON.stringify(params['exceptionDetails']));
    if (
      event.method === 'Runtime.consoleAPICalled' &&
      ['error', 'assert', 'warning'].includes(String(params['type']))
    ) {
      errors.push(JSON.stringify(params['args']));
    }
    if (event.method === 'Log.entryAdded') {
      const entry = params['entry'] as { level?: string; text?: string } | undefined;
      if (entry?.level === 'error' || entry?.level === 'warning') errors.push(entry.text ?? '');
    }
    if (event.method === 'Network.requestWillBeSent') {
      const request = params['request'] as { url?: string } | undefined;
      requests.push(request?.url ?? '');
    }
  }
  return { errors, requests };
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
