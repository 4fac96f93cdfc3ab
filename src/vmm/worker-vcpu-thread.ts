/**
 * The vCPU worker (worker-vcpu.ts starts it): owns its VM and vCPU (opens /dev/kvm through the binding
 * it is told), runs KVM_RUN synchronously on this thread every time, posts each exit into the shared
 * memory and waits, bounded, for the main thread's acknowledgement. It checks nothing: the main thread
 * checks every exit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  EINTR,
  RUN_U8_IO_DIRECTION,
  RUN_U8_IO_SIZE,
  RUN_U16_IO_PORT,
  RUN_U32_EXIT_REASON,
  RUN_U32_IO_COUNT,
  RUN_U32_IO_DATA_OFFSET,
} from '../abi/kvm.js';
import { getBinding } from '../bindings/registry.js';
import { bootGuest } from '../guests/boot.js';
import { loadGuest } from '../guests/manifest.js';
import type { RunPage } from '../kvm/vcpu.js';
import {
  COUNT,
  DATA,
  DIRECTION,
  EINTR_COUNT,
  FAILED,
  KVM_RUN_NS,
  PORT,
  POSTED,
  POSTED_AT,
  READY,
  REASON,
  type SharedViews,
  SIZE,
  STARTED_AT,
  STATE,
  sharedViews,
  type VcpuWorkerData,
} from './worker-vcpu-protocol.js';

/**
 * Copies the exit (or the failed call's -errno) into the shared slots and posts it; false when the
 * main thread said STOP meanwhile (the post must not hide that).
 */
function post(views: SharedViews, page: RunPage, ret: number, kvmRunNs: number): boolean {
  const { i32, f64, b64 } = views;
  const { u8, u32 } = page;
  i32[REASON] = ret < 0 ? ret : (u32[RUN_U32_EXIT_REASON] as number);
  i32[DIRECTION] = u8[RUN_U8_IO_DIRECTION] as number;
  i32[SIZE] = u8[RUN_U8_IO_SIZE] as number;
  i32[PORT] = page.u16[RUN_U16_IO_PORT] as number;
  i32[COUNT] = u32[RUN_U32_IO_COUNT] as number;
  i32[DATA] = u8[u32[RUN_U32_IO_DATA_OFFSET] as number] as number;
  f64[KVM_RUN_NS] = kvmRunNs;
  b64[POSTED_AT] = process.hrtime.bigint();
  if (Atomics.compareExchange(i32, STATE, READY, POSTED) !== READY) return false;
  Atomics.notify(i32, STATE);
  return true;
}

/** Runs the vCPU until the main thread says STOP; throws when an acknowledgement does not come in time. */
function serve(views: SharedViews, page: RunPage, timeoutMs: number): void {
  const { i32, b64 } = views;
  b64[STARTED_AT] = process.hrtime.bigint();
  for (let exit = 0; ; ) {
    const start = process.hrtime.bigint();
    const ret = page.run();
    const kvmRunNs = Number(process.hrtime.bigint() - start);
    if (ret === -EINTR) {
      i32[EINTR_COUNT] = (i32[EINTR_COUNT] as number) + 1;
      continue;
    }
    if (!post(views, page, ret, kvmRunNs)) return;
    if (Atomics.wait(i32, STATE, POSTED, timeoutMs) === 'timed-out') {
      throw new Error(`the main thread did not acknowledge exit ${exit} within ${timeoutMs} ms`);
    }
    if (Atomics.load(i32, STATE) !== READY) return; // STOP
    exit++;
  }
}

function main(): void {
  const data = workerData as VcpuWorkerData;
  const views = sharedViews(data.shared);
  try {
    const booted = bootGuest(getBinding(data.bindingName), loadGuest('pio-out'));
    try {
      serve(views, booted.vcpu.page(), data.timeoutMs);
    } finally {
      booted.close();
    }
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
    Atomics.store(views.i32, STATE, FAILED);
    Atomics.notify(views.i32, STATE);
  }
}

main();
