/**
 * What the perf-driven trace modes share: the check that perf exists, and a perf child switched on
 * and off through its --control FIFOs. Every wait on perf is bounded, watches perf's exit and keeps
 * the event loop free, so a signal handler always runs: perf dying (a terminal's Ctrl-C reaches it
 * too, or perf_event_open is refused) turns into an error naming perf's own words, never a hang.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { HostError } from '../errors.js';
import type { TraceMode } from '../results/trace.js';
import { registerCleanup } from '../util/cleanup.js';

export function requirePerf(mode: TraceMode): void {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    throw new HostError(`--trace ${mode} needs perf: apt-get install linux-perf (Debian) or linux-tools-$(uname -r)`);
  }
}

/** How long perf gets to answer a control command (the first one includes attaching to the process). */
export const PERF_ACK_TIMEOUT_MS = 10_000;
/** How long perf gets to write its output and exit after SIGINT before it is killed. */
export const PERF_EXIT_TIMEOUT_MS = 10_000;
const POLL_MS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `perf <args> --control fifo:ctl,ack -D -1 -p <this pid>`: starts disabled, switched by commands. */
export class ControlledPerf {
  readonly child: ResultPromise<{ reject: false; stdin: 'ignore' }>;
  readonly #dir: string;
  readonly #ctl: number;
  readonly #ack: number;
  readonly #unregister: () => void;
  #exited = false;
  #closed = false;

  /** `dirPrefix` names the FIFOs' temporary folder, which is removed on every exit path. */
  constructor(
    readonly mode: TraceMode,
    args: string[],
    dirPrefix: string,
  ) {
    this.#dir = mkdtempSync(join(tmpdir(), dirPrefix));
    const ctlPath = join(this.#dir, 'ctl');
    const ackPath = join(this.#dir, 'ack');
    try {
      execFileSync('mkfifo', [ctlPath, ackPath], { timeout: 10_000 });
      // O_RDWR: neither open blocks whether or not perf has opened its ends. The ack end is also
      // non-blocking: it is polled between timers, so the event loop (and signals) stay live.
      this.#ctl = openSync(ctlPath, 'r+');
      this.#ack = openSync(ackPath, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (error) {
      rmSync(this.#dir, { recursive: true, force: true });
      throw error;
    }
    this.child = execa('perf', [...args, '--control', `fifo:${ctlPath},${ackPath}`, '-D', '-1'], {
      reject: false,
      stdin: 'ignore',
    });
    this.child.then(
      () => {
        this.#exited = true;
      },
      () => {
        this.#exited = true;
      },
    );
    this.#unregister = registerCleanup(() => this.kill());
  }

  /** Whether perf has exited. */
  get exited(): boolean {
    return this.#exited || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `enable` or `disable` and waits (bounded) until perf says it took effect. */
  async command(text: 'enable' | 'disable', timeoutMs = PERF_ACK_TIMEOUT_MS): Promise<void> {
    if (this.exited) throw await this.#died(text);
    writeSync(this.#ctl, `${text}\n`);
    const deadline = Date.now() + timeoutMs;
    const buffer = Buffer.alloc(16);
    for (;;) {
      try {
        if (readSync(this.#ack, buffer, 0, buffer.length, null) > 0) return; // perf answers "ack\n"
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      if (this.exited) throw await this.#died(text);
      if (Date.now() > deadline) {
        this.kill();
        throw new HostError(
          `--trace ${this.mode}: perf did not answer '${text}' within ${timeoutMs / 1000} s, so it was stopped`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** Asks perf to finish (SIGINT: it writes its counts or perf.data) and waits, bounded, for it. */
  async stop(timeoutMs = PERF_EXIT_TIMEOUT_MS): Promise<{ stderr: string; exitCode?: number; signal?: string }> {
    if (!this.exited) this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.child, timedOut]);
    clearTimeout(timer);
    this.close();
    if (result === 'timeout') {
      throw new HostError(
        `--trace ${this.mode}: perf did not exit within ${timeoutMs / 1000} s of SIGINT, so it was killed`,
      );
    }
    return {
      stderr: String(result.stderr ?? ''),
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      ...(result.signal === undefined ? {} : { signal: result.signal }),
    };
  }

  /** Kills perf (if running), closes the FIFOs and removes their folder. Safe to call twice. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.exited) this.child.kill('SIGKILL');
    this.#unregister();
    for (const fd of [this.#ctl, this.#ack]) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** The error for perf having exited while we waited on it, with the last lines perf said. */
  async #died(during: string): Promise<HostError> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 1_000); // its output pipes could be held open
    });
    const result = await Promise.race([this.child, late]);
    clearTimeout(timer);
    this.close();
    const said = String(result?.stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' / ');
    const how = result?.signal
      ? `was killed by ${result.signal}`
      : `exited with code ${result?.exitCode ?? this.child.exitCode}`;
    return new HostError(
      `--trace ${this.mode}: perf ${how} before it answered '${during}'${said ? `: ${said}` : ''}. ` +
        'If perf_event_open was refused: run as root, lower kernel.perf_event_paranoid, or in Docker allow perf_event_open (--cap-add PERFMON or --privileged)',
    );
  }
}
