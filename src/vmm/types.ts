/**
 * What every vCPU threading design reports on the pio-out guest (one OUT of a counter byte to port
 * 0xe9 per exit), so the designs compare on the same terms. Times are sums over all exits, in
 * nanoseconds; divide by `exits` for the per-exit figure.
 */

/** `sync` is the baseline: KVM_RUN and the check on the main thread, one after another. */
export const VMM_DESIGNS = ['sync', 'worker-vcpu', 'c-thread-vcpu', 'koffi-async'] as const;
export type VmmDesign = (typeof VMM_DESIGNS)[number];

export interface PioOutOptions {
  /** The byte the handler expects on the first exit; the guest counts from 0 (another start fails the check). */
  expectedStart?: number;
  /** Bound on every wait (an exit, an acknowledgement, a drain, a join); a wait that runs out names what hung. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How long a design waits, at least, for its vCPU thread to stop after being told to (a worker to close
 * its VM and end, a C thread to be joined, a pool call to return) before it gives up and reports it.
 * Apart from timeoutMs, so that a short timeout does not turn a slow stop into a leak. The C side
 * (src/native/vcpu_thread.c, JOIN_GRACE_NS) uses the same bound.
 */
export const STOP_GRACE_MS = 10_000;

export interface ThreadedRun {
  design: VmmDesign;
  /** Exits the vCPU thread took. */
  exits: number;
  /** Exits whose reason, direction, size, port, count and data byte the JS thread checked and found right. */
  checked: number;
  /** Times the JS thread was woken to handle exits (each hand-off of one exit or of a batch). */
  wakeUps: number;
  exitsPerWakeUp: number;
  /** Time inside KVM_RUN, clocked on the thread that made the call. */
  kvmRunNs: number;
  /** From an exit being handed over (pushed, posted, returned) to the JS thread seeing it. */
  handOffNs: number;
  /** The JS thread checking the exits it was handed. */
  handlingNs: number;
  /** From the first KVM_RUN to the last exit checked (booting not included). */
  elapsedNs: number;
  /** KVM_RUN calls interrupted by a signal and made again. */
  eintr: number;
  /** KVM_RUN calls made on another thread than the call before (0 where the vCPU keeps its thread). */
  threadHops: number;
  /** Times the vCPU thread found the exit ring full and waited for JS (designs with a ring). */
  ringFullWaits?: number;
  /** Set when the design is one to avoid: what it costs and why. */
  antiPattern?: string;
}

/** The totals a design gathers, before the per-wake-up ratio is derived. */
export type RunTotals = Omit<ThreadedRun, 'design' | 'exitsPerWakeUp'>;

/** Totals before the first exit: every count and time at zero. */
export const zeroTotals = (): RunTotals => ({
  exits: 0,
  checked: 0,
  wakeUps: 0,
  kvmRunNs: 0,
  handOffNs: 0,
  handlingNs: 0,
  elapsedNs: 0,
  eintr: 0,
  threadHops: 0,
});

export function threadedRun(design: VmmDesign, totals: RunTotals): ThreadedRun {
  return { design, ...totals, exitsPerWakeUp: totals.wakeUps > 0 ? totals.checked / totals.wakeUps : 0 };
}

/** The run's times per exit, in nanoseconds (0 for a run with no exits). */
export function perExit(run: ThreadedRun): {
  kvmRunNs: number;
  handOffNs: number;
  handlingNs: number;
  elapsedNs: number;
} {
  const per = (total: number) => (run.exits > 0 ? total / run.exits : 0);
  return {
    kvmRunNs: per(run.kvmRunNs),
    handOffNs: per(run.handOffNs),
    handlingNs: per(run.handlingNs),
    elapsedNs: per(run.elapsedNs),
  };
}
