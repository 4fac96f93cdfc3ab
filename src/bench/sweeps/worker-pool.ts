/**
 * K worker threads that run one batch each at the same moment, driven synchronously from the main
 * thread (the scheduler's run(n) is synchronous): commands and results pass through a
 * SharedArrayBuffer with Atomics, never through the event loop. A sample is the wall time from the
 * first worker's start to the last worker's end, both read from the shared monotonic clock.
 * Every wait is bounded.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerTask } from './worker.js';

const COMMAND = 0;
const COUNT = 1;
const DONE = 2;
const READY = 3;
const FAILED = 4;
const HEADER_INTS = 8;
const ERROR_BYTES = 1024;
/** Starting a worker loads the bindings and opens KVM: seconds at most, even on a loaded host. */
const READY_TIMEOUT_MS = 60_000;
/** One batch is sized for about a millisecond; a minute means a worker is stuck. */
const BATCH_TIMEOUT_MS = 60_000;
const EXIT = -1;

export interface PoolLayout {
  control: Int32Array;
  /** Per worker: start and end of its last batch (ns of the monotonic clock), then its vCPU fd. */
  times: Float64Array;
  errors: Uint8Array;
}

export function poolLayout(buffer: SharedArrayBuffer, workers: number): PoolLayout {
  const controlBytes = HEADER_INTS * 4;
  const timesBytes = workers * 3 * 8;
  return {
    control: new Int32Array(buffer, 0, HEADER_INTS),
    times: new Float64Array(buffer, controlBytes, workers * 3),
    errors: new Uint8Array(buffer, controlBytes + timesBytes, workers * ERROR_BYTES),
  };
}

function layoutBytes(workers: number): number {
  return HEADER_INTS * 4 + workers * 3 * 8 + workers * ERROR_BYTES;
}

/** Worker side: record why it failed, in the slot the main thread reads. */
export function writeError(layout: PoolLayout, index: number, message: string): void {
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES - 1);
  const slot = layout.errors.subarray(index * ERROR_BYTES, (index + 1) * ERROR_BYTES);
  slot.fill(0);
  slot.set(bytes);
  Atomics.add(layout.control, FAILED, 1);
}

function readError(layout: PoolLayout, index: number): string {
  const slot = layout.errors.subarray(index * ERROR_BYTES, (index + 1) * ERROR_BYTES);
  const end = slot.indexOf(0);
  return new TextDecoder().decode(slot.slice(0, end < 0 ? slot.length : end));
}

/** Worker side: waits for the next command; returns the batch size, or EXIT. */
export function awaitCommand(layout: PoolLayout, seen: number): { seq: number; n: number } {
  for (;;) {
    Atomics.wait(layout.control, COMMAND, seen);
    const seq = Atomics.load(layout.control, COMMAND);
    if (seq !== seen) return { seq, n: Atomics.load(layout.control, COUNT) };
  }
}

export function signalDone(layout: PoolLayout): void {
  Atomics.add(layout.control, DONE, 1);
  Atomics.notify(layout.control, DONE);
}

export function signalReady(layout: PoolLayout): void {
  Atomics.add(layout.control, READY, 1);
  Atomics.notify(layout.control, READY);
}

export { EXIT };

/** Blocks until control[index] reaches target, or throws after timeoutMs. */
function waitFor(control: Int32Array, index: number, target: number, timeoutMs: number, what: string): void {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = Atomics.load(control, index);
    if (value >= target) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${what}: timed out after ${timeoutMs / 1000} s (${value} of ${target})`);
    Atomics.wait(control, index, value, left);
  }
}

export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #layout: PoolLayout;
  #closed = false;

  constructor(
    readonly size: number,
    task: WorkerTask,
  ) {
    const buffer = new SharedArrayBuffer(layoutBytes(size));
    this.#layout = poolLayout(buffer, size);
    try {
      for (let index = 0; index < size; index++) {
        const worker = new Worker(new URL('./worker.js', import.meta.url), {
          workerData: { task, index, workers: size, buffer },
        });
        worker.unref();
        // Errors surface through the shared error slots; this keeps an unhandled 'error' event from crashing.
        worker.on('error', () => {});
        this.#workers.push(worker);
      }
      waitFor(this.#layout.control, READY, size, READY_TIMEOUT_MS, `starting ${size} ${task.kind} worker(s)`);
      this.#throwIfFailed(`starting ${task.kind} workers`);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The vCPU fd each worker created (vcpu-exits), for KVM's stats. */
  vcpuFds(): number[] {
    return Array.from({ length: this.size }, (_, i) => this.#layout.times[i * 3 + 2] as number);
  }

  #throwIfFailed(what: string): void {
    if (Atomics.load(this.#layout.control, FAILED) === 0) return;
    const messages = this.#workers.map((_, i) => readError(this.#layout, i)).filter((text) => text.length > 0);
    throw new Error(`${what}: ${[...new Set(messages)].join('; ')}`);
  }

  /** Every worker runs n iterations at once; returns the wall nanoseconds from first start to last end. */
  run(n: number): number {
    if (this.#closed) throw new Error('the worker pool is closed');
    const { control, times } = this.#layout;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, COUNT, n);
    Atomics.add(control, COMMAND, 1);
    Atomics.notify(control, COMMAND);
    waitFor(control, DONE, this.size, BATCH_TIMEOUT_MS, `a batch of ${n} on ${this.size} worker(s)`);
    this.#throwIfFailed('a worker failed');
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (let i = 0; i < this.size; i++) {
      start = Math.min(start, times[i * 3] as number);
      end = Math.max(end, times[i * 3 + 1] as number);
    }
    return end - start;
  }

  /** Asks every worker to release what it opened and end; waits for them (bounded), then terminates. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const { control } = this.#layout;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, COUNT, EXIT);
    Atomics.add(control, COMMAND, 1);
    Atomics.notify(control, COMMAND);
    try {
      waitFor(control, DONE, Atomics.load(control, READY), 10_000, 'stopping workers');
    } catch {
      // A stuck worker is terminated below; its KVM fds close with the process.
    }
    for (const worker of this.#workers.splice(0)) void worker.terminate();
  }
}
