/**
 * Design 3, `koffi-async`: each KVM_RUN is a koffi asynchronous call (`.async`), so it runs on a libuv
 * thread-pool thread and its result comes back to the event loop, where the exit is checked; the next
 * KVM_RUN is queued from there. This is the anti-pattern, measured to show what it costs: consecutive
 * KVM_RUNs land on different pool threads, and on each change of thread KVM swaps vcpu->pid
 * (kvm_vcpu_ioctl in virt/kvm/kvm_main.c), which older kernels follow with synchronize_rcu(); newer
 * ones take a write lock (vcpu->pid_lock) instead. The call is to kvmbench_timed_kvm_run in the addon
 * (src/native/timed_run.c), a plain C function that clocks the ioctl on the pool thread and notes the
 * thread's id, so the time in KVM_RUN and the thread hops are measured where they happen.
 */
import { EINTR } from '../abi/kvm.js';
import { ADDON_PATH, loadAddon } from '../bindings/addon.js';
import type { Binding, Mapping } from '../bindings/types.js';
import { HostError } from '../errors.js';
import { bootGuest } from '../guests/boot.js';
import { checkMapping } from '../kvm/check.js';
import type { Vcpu } from '../kvm/vcpu.js';
import { checkRunPage, handlerFailure, PioOutHandler, pioOutGuest } from './pio-out-handler.js';
import {
  DEFAULT_TIMEOUT_MS,
  type PioOutOptions,
  type RunTotals,
  STOP_GRACE_MS,
  type ThreadedRun,
  threadedRun,
  zeroTotals,
} from './types.js';

type Returned = (error: unknown, ret: number) => void;
/** kvmbench_timed_kvm_run(fd, out) through koffi: out receives [start ns, end ns, thread id]. */
interface TimedRun {
  async(fd: number, out: bigint, done: Returned): void;
}

let timedRun: TimedRun | undefined;

/** koffi is loaded only here, when this design runs: the other designs do not need it. */
async function loadTimedRun(): Promise<TimedRun> {
  loadAddon(); // a clear error when the addon is not built
  const { koffi } = await import('../bindings/libc.js');
  timedRun ??= koffi.load(ADDON_PATH).func('int kvmbench_timed_kvm_run(int fd, uint64_t out)') as TimedRun;
  return timedRun;
}

/** What the design costs, with the thread hops it made. */
export function antiPatternNote(hops: number, calls: number): string {
  return `KVM_RUN from libuv pool threads: ${hops} of ${calls} calls ran on another thread than the call before; on each, KVM swaps vcpu->pid, which older kernels follow with synchronize_rcu() (a wait for an RCU grace period; newer ones take vcpu->pid_lock instead), and every exit queues to the pool and back to the event loop. Keep a vCPU on one thread`;
}

/** Where the pool thread writes its clock readings and id, and whether a call is still out there. */
interface CallSlot {
  address: bigint;
  words: BigUint64Array;
  inFlight: boolean;
  /** Called when the call in flight returns after the run has settled. */
  landed?: () => void;
}

/** Waits, up to STOP_GRACE_MS, for a call still in flight to return; true when none is out any more. */
async function landed(slot: CallSlot): Promise<boolean> {
  if (!slot.inFlight) return true;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    slot.landed = resolve;
    timer = setTimeout(resolve, STOP_GRACE_MS);
  });
  clearTimeout(timer);
  return !slot.inFlight;
}

/** Adds one returned call's times and thread to the totals; the exit's check follows. */
function account(slot: CallSlot, seen: bigint, totals: RunTotals, lastThread: bigint): bigint {
  const [start = 0n, end = 0n, thread = 0n] = slot.words;
  totals.kvmRunNs += Number(end - start);
  totals.handOffNs += Number(seen - end);
  if (lastThread !== 0n && thread !== lastThread) totals.threadHops++;
  totals.exits++;
  totals.wakeUps++;
  return thread;
}

function drive(
  run: TimedRun,
  vcpu: Vcpu,
  port: number,
  slot: CallSlot,
  iterations: number,
  options: PioOutOptions,
): Promise<ThreadedRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const handler = new PioOutHandler(port, options.expectedStart ?? 0);
  const page = vcpu.page();
  const totals = zeroTotals();
  const fd = vcpu.fd;
  return new Promise<ThreadedRun>((resolve, reject) => {
    let settled = false;
    let lastThread = 0n;
    const started = process.hrtime.bigint();
    const settle = (failure?: Error) => {
      settled = true;
      clearTimeout(watchdog);
      if (failure) return reject(failure);
      totals.checked = handler.checked;
      resolve({ ...threadedRun('koffi-async', totals), antiPattern: antiPatternNote(totals.threadHops, totals.exits) });
    };
    const returned: Returned = (error, ret) => {
      const seen = process.hrtime.bigint();
      slot.inFlight = false;
      if (settled) return slot.landed?.();
      watchdog.refresh();
      if (error) return settle(error as Error);
      if (ret === -EINTR) {
        totals.eintr++;
        return next();
      }
      lastThread = account(slot, seen, totals, lastThread);
      const wrong = checkRunPage(handler, ret, page);
      const done = process.hrtime.bigint();
      totals.handlingNs += Number(done - seen);
      totals.elapsedNs = Number(done - started);
      if (wrong) return settle(handlerFailure('koffi-async', wrong));
      if (handler.checked >= iterations) return settle();
      next();
    };
    const next = () => {
      slot.inFlight = true;
      run.async(fd, slot.address, returned);
    };
    const watchdog = setTimeout(
      () =>
        settle(
          new HostError(
            `KVM_RUN on the libuv thread pool did not return within ${timeoutMs} ms (exit ${handler.checked})`,
          ),
        ),
      timeoutMs,
    );
    next();
  });
}

export async function runKoffiAsync(
  binding: Binding,
  iterations: number,
  options: PioOutOptions = {},
): Promise<ThreadedRun> {
  const run = await loadTimedRun();
  const { guest, port } = pioOutGuest();
  const booted = bootGuest(binding, guest);
  let slot: CallSlot | undefined;
  let mapping: Mapping | undefined;
  try {
    mapping = checkMapping(binding.mapAnonymous(4096), 'mmap of the KVM_RUN clock page');
    slot = { address: mapping.address, words: new BigUint64Array(mapping.buffer, 0, 3), inFlight: false };
    return await drive(run, booted.vcpu, port, slot, iterations, options);
  } finally {
    // A call still out on the pool (it did not return in time) will write the clock page and kvm_run
    // when it returns: if it does not within the grace, both stay mapped (a leak the error reports)
    // rather than crash the process.
    if (slot === undefined || (await landed(slot))) {
      if (mapping) binding.unmap(mapping);
      booted.close();
    }
  }
}
