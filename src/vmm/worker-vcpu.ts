/**
 * Design 1, `worker-vcpu`: the vCPU lives on a worker_threads Worker that calls KVM_RUN synchronously
 * and hands each exit to the main thread through a SharedArrayBuffer (worker-vcpu-protocol.ts). The
 * main thread waits with Atomics.waitAsync (its event loop keeps running), checks the exit and
 * acknowledges it; the worker waits for that before the next KVM_RUN. One exit per hand-off: an exit
 * that needs a reply (IN, MMIO read) works the same way.
 */
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Binding } from '../bindings/types.js';
import { HostError } from '../errors.js';
import { handlerFailure, PioOutHandler, pioOutGuest } from './pio-out-handler.js';
import {
  DEFAULT_TIMEOUT_MS,
  type PioOutOptions,
  type RunTotals,
  STOP_GRACE_MS,
  type ThreadedRun,
  threadedRun,
  zeroTotals,
} from './types.js';
import {
  COUNT,
  DATA,
  DIRECTION,
  EINTR_COUNT,
  FAILED,
  KVM_RUN_NS,
  PORT,
  POSTED_AT,
  READY,
  REASON,
  SHARED_BYTES,
  type SharedViews,
  SIZE,
  STARTED_AT,
  STATE,
  STOP,
  sharedViews,
  type VcpuWorkerData,
  type VcpuWorkerFailure,
  WORKER_GONE,
} from './worker-vcpu-protocol.js';

const WORKER_URL = new URL('./worker-vcpu-thread.js', import.meta.url);

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeout: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/**
 * Waits until STATE is no longer READY, the worker is gone, or the deadline passes; never blocks the
 * event loop for long: Atomics.waitAsync where the runtime has it, else Atomics.wait in 20 ms slices.
 */
async function nextPost(i32: Int32Array, deadline: number): Promise<'posted' | 'gone' | 'timed-out'> {
  for (;;) {
    if (Atomics.load(i32, STATE) !== READY) return 'posted';
    if (Atomics.load(i32, WORKER_GONE) === 1) return 'gone';
    const left = deadline - performance.now();
    if (left <= 0) return 'timed-out';
    if (waitAsync) {
      const wait = waitAsync(i32, STATE, READY, left);
      if (wait.async) await wait.value;
    } else {
      Atomics.wait(i32, STATE, READY, Math.min(left, 20));
      await nextTurn();
    }
  }
}

interface WorkerWatch {
  failure?: string;
  exitCode?: number;
}

/** Why the worker is gone: its own message when it failed, else how it ended. */
function workerGone(watch: WorkerWatch, exit: number): HostError {
  return new HostError(
    watch.failure ?? `the vCPU worker ended (exit code ${watch.exitCode ?? 'unknown'}) before posting exit ${exit}`,
  );
}

/** Checks the posted exit and adds its times; undefined when right, else what was wrong. */
function takeExit(views: SharedViews, handler: PioOutHandler, totals: RunTotals): string | undefined {
  const { i32, f64, b64 } = views;
  const seen = process.hrtime.bigint();
  totals.handOffNs += Number(seen - (b64[POSTED_AT] as bigint));
  totals.kvmRunNs += f64[KVM_RUN_NS] as number;
  totals.exits++;
  totals.wakeUps++;
  const reason = i32[REASON] as number;
  const wrong =
    reason < 0
      ? `exit ${handler.checked}: KVM_RUN failed with errno ${-reason}`
      : handler.exit(
          reason,
          i32[DIRECTION] as number,
          i32[SIZE] as number,
          i32[PORT] as number,
          i32[COUNT] as number,
          i32[DATA] as number,
        );
  const done = process.hrtime.bigint();
  totals.handlingNs += Number(done - seen);
  totals.elapsedNs = Number(done - (b64[STARTED_AT] as bigint));
  return wrong;
}

/** Handles posted exits until `iterations` are checked; returns the first failure, if any. */
async function handleExits(
  views: SharedViews,
  watch: WorkerWatch,
  iterations: number,
  handler: PioOutHandler,
  totals: RunTotals,
  timeoutMs: number,
): Promise<Error | undefined> {
  const { i32 } = views;
  while (handler.checked < iterations) {
    const woke = await nextPost(i32, performance.now() + timeoutMs);
    if (woke === 'timed-out') {
      return new HostError(
        `the vCPU worker posted no exit within ${timeoutMs} ms (waiting for exit ${handler.checked})`,
      );
    }
    if (woke === 'gone' || Atomics.load(i32, STATE) === FAILED) return workerGone(watch, handler.checked);
    const wrong = takeExit(views, handler, totals);
    if (wrong) return handlerFailure('worker-vcpu', wrong);
    if (handler.checked < iterations) {
      Atomics.store(i32, STATE, READY);
      Atomics.notify(i32, STATE);
    }
  }
  return undefined;
}

/** Tells the worker to stop and waits, bounded, for it to close its VM and end; terminates it otherwise. */
async function stopWorker(
  worker: Worker,
  i32: Int32Array,
  watch: WorkerWatch,
  timeoutMs: number,
): Promise<Error | undefined> {
  if (watch.exitCode !== undefined) return undefined;
  const exited = once(worker, 'exit');
  Atomics.store(i32, STATE, STOP);
  Atomics.notify(i32, STATE);
  const graceMs = Math.max(timeoutMs, STOP_GRACE_MS);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const ended = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (ended !== 'late') return undefined;
  await worker.terminate();
  return new HostError(`the vCPU worker did not end within ${graceMs} ms of being told to stop: terminated`);
}

/** Starts the worker, whose failures and end are recorded in the watch (and wake a pending wait). */
function startWorker(binding: Binding, shared: SharedArrayBuffer, i32: Int32Array, timeoutMs: number) {
  const watch: WorkerWatch = {};
  const data: VcpuWorkerData = { bindingName: binding.name, shared, timeoutMs };
  const worker = new Worker(WORKER_URL, { workerData: data });
  worker.on('message', (message: VcpuWorkerFailure) => {
    watch.failure = `the vCPU worker failed: ${message.error}`;
  });
  worker.on('error', (error) => {
    watch.failure = `the vCPU worker threw: ${error.message}`;
  });
  worker.on('exit', (code) => {
    watch.exitCode = code;
    Atomics.store(i32, WORKER_GONE, 1);
    Atomics.notify(i32, STATE);
  });
  return { worker, watch };
}

export async function runWorkerVcpu(
  binding: Binding,
  iterations: number,
  options: PioOutOptions = {},
): Promise<ThreadedRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const shared = new SharedArrayBuffer(SHARED_BYTES);
  const views = sharedViews(shared);
  const { worker, watch } = startWorker(binding, shared, views.i32, timeoutMs);
  const handler = new PioOutHandler(pioOutGuest().port, options.expectedStart ?? 0);
  const totals = zeroTotals();
  let failure: Error | undefined;
  try {
    failure = await handleExits(views, watch, iterations, handler, totals, timeoutMs);
  } finally {
    // Also after a throw: the worker must close its VM and end, whatever happened here.
    const stopped = await stopWorker(worker, views.i32, watch, timeoutMs);
    failure ??= stopped ?? (watch.failure === undefined ? undefined : new HostError(watch.failure));
  }
  if (failure) throw failure;
  totals.checked = handler.checked;
  totals.eintr = views.i32[EINTR_COUNT] as number;
  return threadedRun('worker-vcpu', totals);
}
