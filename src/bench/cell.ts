/**
 * A cell is one workload on one binding: its VM (kept for the whole run, so the guest's counter and
 * KVM's statistics run on), its samples in run order, and its exit counter check.
 */
import type { Binding } from '../bindings/types.js';
import { type BootedGuest, bootGuest } from '../guests/boot.js';
import { type Guest, loadGuest } from '../guests/manifest.js';
import { openVcpuStats, type StatsReader } from '../kvm/stats-fd.js';
import type { RegisterName } from '../kvm/structs.js';
import type { Kvm } from '../kvm/system.js';
import { type LoopState, type LoopTarget, runExitLoop } from './exit-loops.js';
import { LIFECYCLE_STEPS, lifecycleTotals, runLifecycles } from './lifecycle.js';
import type { ExitCountCheck } from './results.js';
import type { WorkloadDefinition } from './workloads.js';

/** KVM's per-vCPU counter that must equal the harness's iteration count, per guest protocol. */
const EXIT_COUNTERS: Record<string, string> = {
  'pio-out': 'io_exits',
  'pio-in': 'io_exits',
  'mmio-write': 'mmio_exits',
  'mmio-read': 'mmio_exits',
  hlt: 'halt_exits',
};

export class Cell {
  readonly samples: number[] = [];
  readonly sampleRounds: number[] = [];
  readonly sampleTimesMs: number[] = [];
  /** Lifecycle only: per-step nanoseconds of every measured lifecycle, one array per step. */
  readonly stepSamples: number[][] = LIFECYCLE_STEPS.map(() => []);
  iterationsPerSample = 1;
  /** Every iteration the harness ran on this cell's vCPU, warm-up included (KVM counts those too). */
  totalIterations = 0;
  error: string | undefined;
  recording = false;
  #booted: BootedGuest | undefined;
  #lifecycleGuest: Guest | undefined;
  #target: LoopTarget | undefined;
  #stats: StatsReader | undefined;
  #counterBefore: bigint | undefined;
  #counter: string | undefined;
  readonly #state: LoopState = { sequence: 0 };

  constructor(
    readonly workload: WorkloadDefinition,
    readonly binding: Binding,
    readonly kvm: Kvm,
    registerOverrides: Partial<Record<RegisterName, bigint>>,
  ) {
    if (workload.loop === 'null-ioctl') {
      this.#target = { kind: 'null-ioctl', binding, systemFd: kvm.fd };
      return;
    }
    const guest = loadGuest(workload.guest, registerOverrides);
    if (workload.loop === 'lifecycle') {
      this.#lifecycleGuest = guest;
      return;
    }
    this.#booted = bootGuest(binding, guest, kvm);
    const vcpu = this.#booted.vcpu;
    if (workload.loop === 'immediate-exit') {
      vcpu.immediateExit = true;
      this.#target = { kind: 'immediate-exit', guest, vcpu };
      return;
    }
    this.#target = { kind: 'exits', guest, vcpu };
    this.#counter = EXIT_COUNTERS[guest.exits.kind];
    if (this.#counter) {
      this.#stats = openVcpuStats(vcpu, [this.#counter]);
      this.#counterBefore = this.#stats?.read().get(this.#counter);
    }
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Runs n iterations; returns nanoseconds per iteration. Records the sample when recording. */
  runBatch(n: number, round: number, runStartMs: number): number {
    let perIteration: number;
    if (this.workload.loop === 'lifecycle') {
      const steps = runLifecycles(this.binding, this.kvm, this.#lifecycleGuest as Guest, n);
      const totals = lifecycleTotals(steps);
      perIteration = totals.reduce((a, b) => a + b, 0) / n;
      if (this.recording) {
        for (let i = 0; i < steps.length; i++) this.stepSamples[i % LIFECYCLE_STEPS.length]?.push(steps[i] as number);
      }
    } else {
      perIteration = runExitLoop(this.binding, this.#target as LoopTarget, n, this.#state) / n;
    }
    this.totalIterations += n;
    if (this.recording) {
      this.samples.push(perIteration);
      this.sampleRounds.push(round);
      this.sampleTimesMs.push(performance.now() - runStartMs);
    }
    return perIteration;
  }

  /** Compares the harness's iteration count with KVM's own counter for this vCPU. */
  exitCountCheck(): ExitCountCheck | undefined {
    if (this.workload.loop !== 'exits') return undefined;
    if (!this.#counter) return { source: 'unavailable', detail: 'no KVM counter maps to this exit kind' };
    if (!this.#stats || this.#counterBefore === undefined) {
      return { source: 'unavailable', detail: `KVM_GET_STATS_FD gives no ${this.#counter} counter on this host` };
    }
    const observed = Number((this.#stats.read().get(this.#counter) ?? 0n) - this.#counterBefore);
    const expected = this.totalIterations;
    const matched = observed === expected;
    return {
      source: 'stats-fd',
      counter: this.#counter,
      expected,
      observed,
      matched,
      detail: matched
        ? `KVM counted ${observed} ${this.#counter}, the harness ran ${expected} round trips`
        : `MISMATCH: KVM counted ${observed} ${this.#counter}, the harness ran ${expected} round trips`,
    };
  }

  close(): void {
    this.#stats?.close();
    this.#stats = undefined;
    this.#booted?.close();
    this.#booted = undefined;
  }
}
