/**
 * Design 2, `c-thread-vcpu`: the vCPU loop runs on a C thread in the addon (src/native/vcpu_thread.c),
 * which makes every KVM_RUN from that same thread, checks each exit is an OUT of one byte to the port,
 * and pushes (port, data) into a single-producer ring. JS is woken through a thread-safe function only
 * when it is asleep, drains the ring in the callback and checks every data byte against its counter:
 * one wake-up hands over as many exits as piled up meanwhile. OUT needs no reply, so the vCPU thread
 * never waits for JS unless the ring is full.
 */
import { type Addon, loadAddon, type VcpuThreadTotals } from '../bindings/addon.js';
import type { Binding } from '../bindings/types.js';
import { HostError } from '../errors.js';
import { bootGuest } from '../guests/boot.js';
import type { Vcpu } from '../kvm/vcpu.js';
import { handlerFailure, PioOutHandler, pioOutGuest } from './pio-out-handler.js';
import { DEFAULT_TIMEOUT_MS, type PioOutOptions, type ThreadedRun, threadedRun } from './types.js';

/** The addon's error code when the vCPU thread did not stop in time. */
const STUCK = 'KVMBENCH_THREAD_STUCK';

/** Exits the ring holds: a power of two. */
export const RING_CAPACITY = 256;

/** The run's outcome once the thread is joined: what it did, and what JS saw. */
function outcome(
  totals: VcpuThreadTotals,
  handler: PioOutHandler,
  iterations: number,
  times: { handlingNs: number; elapsedNs: number },
): ThreadedRun {
  if (totals.error) throw handlerFailure('c-thread-vcpu', totals.error);
  if (handler.checked < iterations) {
    throw new HostError(
      `the vCPU thread finished after ${totals.exits} exits, but JS checked ${handler.checked} of ${iterations}`,
    );
  }
  const run = threadedRun('c-thread-vcpu', {
    exits: totals.exits,
    checked: handler.checked,
    wakeUps: totals.wakeUps,
    kvmRunNs: totals.kvmRunNs,
    handOffNs: totals.handOffNs,
    eintr: totals.eintr,
    threadHops: 0,
    ...times,
  });
  return { ...run, ringFullWaits: totals.fullWaits };
}

/** Runs the vCPU thread on a booted pio-out vCPU until JS has checked `iterations` exits or one fails. */
function drive(
  addon: Addon,
  vcpu: Vcpu,
  port: number,
  iterations: number,
  options: PioOutOptions,
): Promise<ThreadedRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const handler = new PioOutHandler(port, options.expectedStart ?? 0);
  const data = new Uint8Array(RING_CAPACITY);
  const ports = new Uint16Array(RING_CAPACITY);
  return new Promise<ThreadedRun>((resolve, reject) => {
    let settled = false;
    let handlingNs = 0;
    let watchdog: NodeJS.Timeout | undefined;
    const started = process.hrtime.bigint();
    // Joins the thread (bounded), then settles: with the failure JS found, else with what the thread said.
    const finish = (failure?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      const elapsedNs = Number(process.hrtime.bigint() - started);
      try {
        const totals = addon.vcpuThreadStop(handle);
        if (failure) throw failure;
        resolve(outcome(totals, handler, iterations, { handlingNs, elapsedNs }));
      } catch (error) {
        reject(error);
      }
    };
    // Called on this thread for each wake-up: drains until the ring is empty (JS sleeps) or the thread ended.
    const onWake = () => {
      if (settled) return;
      watchdog?.refresh();
      try {
        for (;;) {
          const n = addon.vcpuThreadDrain(handle, data, ports);
          if (n === 0) return;
          if (n < 0) return finish();
          const start = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            const wrong = handler.out(ports[i] as number, data[i] as number);
            if (wrong) return finish(handlerFailure('c-thread-vcpu', wrong));
          }
          handlingNs += Number(process.hrtime.bigint() - start);
          if (handler.checked >= iterations) return finish();
        }
      } catch (error) {
        finish(error as Error);
      }
    };
    const handle = addon.vcpuThreadStart(
      vcpu.fd,
      vcpu.page().address,
      port,
      iterations,
      RING_CAPACITY,
      timeoutMs,
      onWake,
    );
    watchdog = setTimeout(
      () =>
        finish(new HostError(`no exit reached JS for ${timeoutMs} ms (${handler.checked} of ${iterations} checked)`)),
      timeoutMs,
    );
  });
}

export async function runCThreadVcpu(
  binding: Binding,
  iterations: number,
  options: PioOutOptions = {},
): Promise<ThreadedRun> {
  const addon = loadAddon();
  const { guest, port } = pioOutGuest();
  const booted = bootGuest(binding, guest);
  let closable = true;
  try {
    return await drive(addon, booted.vcpu, port, iterations, options);
  } catch (error) {
    // A thread that did not stop may still be in KVM_RUN and write to kvm_run when it returns:
    // its vCPU stays mapped (a leak, reported by the error) rather than crash the process.
    if ((error as { code?: string }).code === STUCK) closable = false;
    throw error;
  } finally {
    if (closable) booted.close();
  }
}
