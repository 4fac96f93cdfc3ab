/**
 * The shared memory between the main thread and a vCPU worker: one exit at a time, in a
 * SharedArrayBuffer, with a state word both sides Atomics.wait / notify on.
 *
 *   worker: KVM_RUN -> writes the exit -> state = POSTED, notify -> waits while state is POSTED
 *   main:   waits while state is READY -> checks the exit -> state = READY (next) or STOP, notify
 */

/** State word values. */
export const READY = 0; // the main thread handled the last exit: the worker may run the vCPU
export const POSTED = 1; // an exit is in the slots for the main thread
export const STOP = 2; // the main thread is done (or found a wrong exit): the worker closes the VM and ends
export const FAILED = 3; // the worker failed (boot, KVM_RUN, a wait): its message follows on its port

// Int32Array indexes.
export const STATE = 0;
export const REASON = 1; // exit_reason, or the negative errno when KVM_RUN failed
export const DIRECTION = 2;
export const SIZE = 3;
export const PORT = 4;
export const COUNT = 5;
export const DATA = 6;
export const EINTR_COUNT = 7;
/** Set by the main thread when the worker has exited, so that a wait on STATE ends at once. */
export const WORKER_GONE = 8;
// Float64Array index: the nanoseconds of this exit's KVM_RUN, clocked in the worker.
export const KVM_RUN_NS = 5;
// BigInt64Array indexes: process.hrtime.bigint() when the exit was posted, and before the first KVM_RUN.
export const POSTED_AT = 6;
export const STARTED_AT = 7;

export const SHARED_BYTES = 64;

/** What the main thread hands the worker. */
export interface VcpuWorkerData {
  bindingName: string;
  shared: SharedArrayBuffer;
  timeoutMs: number;
}

/** What the worker posts when it fails. */
export interface VcpuWorkerFailure {
  error: string;
}

export interface SharedViews {
  i32: Int32Array;
  f64: Float64Array;
  b64: BigInt64Array;
}

export function sharedViews(shared: SharedArrayBuffer): SharedViews {
  return { i32: new Int32Array(shared), f64: new Float64Array(shared), b64: new BigInt64Array(shared) };
}
