/**
 * The baseline, `sync`: KVM_RUN on the main thread, one call after another, each exit checked there
 * (reason, direction, size, port, count and the data byte) before the next call. No hand-off: the
 * thread that makes the call handles the exit. The other designs are measured against it. The clock
 * is read twice per exit (after KVM_RUN, after the check), as the threaded designs read theirs.
 */
import { EINTR } from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { HostError } from '../errors.js';
import { bootGuest } from '../guests/boot.js';
import type { RunPage } from '../kvm/vcpu.js';
import { checkRunPage, handlerFailure, PioOutHandler, pioOutGuest } from './pio-out-handler.js';
import { DEFAULT_TIMEOUT_MS, type PioOutOptions, type ThreadedRun, threadedRun, zeroTotals } from './types.js';

/**
 * Takes `iterations` exits on this thread. The main thread cannot interrupt its own ioctl, so the
 * bound is checked when KVM_RUN returns: a call that took longer than timeoutMs fails the run.
 */
function drive(page: RunPage, port: number, iterations: number, options: PioOutOptions): ThreadedRun {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutNs = BigInt(timeoutMs) * 1_000_000n;
  const handler = new PioOutHandler(port, options.expectedStart ?? 0);
  const { run } = page;
  const totals = zeroTotals();
  const started = process.hrtime.bigint();
  let before = started;
  while (handler.checked < iterations) {
    const ret = run();
    const returned = process.hrtime.bigint();
    totals.kvmRunNs += Number(returned - before);
    if (returned - before > timeoutNs) {
      throw new HostError(`KVM_RUN on the main thread did not return within ${timeoutMs} ms (exit ${handler.checked})`);
    }
    if (ret === -EINTR) {
      totals.eintr++;
      before = returned;
      continue;
    }
    totals.exits++;
    const wrong = checkRunPage(handler, ret, page);
    before = process.hrtime.bigint();
    totals.handlingNs += Number(before - returned);
    if (wrong) throw handlerFailure('sync', wrong);
  }
  totals.elapsedNs = Number(before - started);
  totals.checked = handler.checked;
  // Every exit is seen by the thread that took it: one "wake-up" per exit, nothing handed off.
  totals.wakeUps = totals.exits;
  return threadedRun('sync', totals);
}

export async function runSyncVcpu(
  binding: Binding,
  iterations: number,
  options: PioOutOptions = {},
): Promise<ThreadedRun> {
  const { guest, port } = pioOutGuest();
  const booted = bootGuest(binding, guest);
  try {
    return drive(booted.vcpu.page(), port, iterations, options);
  } finally {
    booted.close();
  }
}
