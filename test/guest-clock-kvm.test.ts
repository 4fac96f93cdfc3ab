/**
 * Guest-clock timing on real /dev/kvm: every *-tsc guest, through every binding, times each exit with
 * its TSC (the burst guests each burst of writes the kernel completes), and what it timed must fit
 * inside what the host timed.
 *
 * Every timed window (RDTSC before the exit to RDTSC after it) lies inside the host's timed loop, so
 * per batch: 0 < guest ns of all windows <= host ns of the batch. Tolerance: 1 % (the TSC frequency is
 * known to a kHz; KVM gives the guest the host's rate) plus 1 µs (the host clock's reads). Skips, saying
 * why, where the TSC frequency is unknown.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unsupportedWorkloads } from '../src/bench/capabilities.js';
import { openCellRunner } from '../src/bench/cell.js';
import { tscFrequency } from '../src/bench/guest-clock.js';
import { COMPLETION_WORKLOAD_NAMES } from '../src/bench/workloads.js';
import { getBinding } from '../src/bindings/registry.js';
import { tscHz } from '../src/host/facts.js';
import { Kvm } from '../src/kvm/system.js';
import { everyBindingPlan, kvmSkip } from './helpers/kvm.js';

const RELATIVE_TOLERANCE = 0.01;
const ABSOLUTE_TOLERANCE_NS = 1000;
const BATCHES = 5;
const N = 100;

const tsc = kvmSkip ? { source: 'not looked up' } : tscFrequency({ tscHz: tscHz() });
const skip = kvmSkip || (tsc.hz === undefined ? `the TSC frequency is not known: ${tsc.source}` : false);
if (skip && !kvmSkip) process.stdout.write(`# guest-clock KVM tests skipped: ${skip}\n`);

// The burst guests' windows are their in-kernel writes; a host lacking a completion's capability skips it.
const bursts = COMPLETION_WORKLOAD_NAMES;
const unsupported = kvmSkip
  ? new Map<string, string[]>()
  : unsupportedWorkloads(everyBindingPlan(bursts).workloads, 'napi');
for (const [name, missing] of unsupported)
  process.stdout.write(`# ${name} skipped: this KVM lacks ${missing.join(', ')}\n`);

describe('guest clock on KVM', { skip }, () => {
  const workloads = ['pio-out-tsc', 'pio-out-long-tsc', 'hlt-long-tsc', ...bursts.filter((b) => !unsupported.has(b))];
  const plan = everyBindingPlan(workloads);
  for (const cell of plan.cells) {
    const what = cell.workload.completion ? 'one window per burst of writes' : 'one window per exit';
    test(`${cell.workload.name} / ${cell.binding}: the guest's cycles fit inside the host's time, ${what}`, () => {
      const hz = tsc.hz as number;
      const binding = getBinding(cell.binding);
      const kvm = Kvm.open(binding);
      const runner = openCellRunner(cell, binding, kvm);
      try {
        runner.run(1); // the cold batch: the guest opens its first window
        for (let batch = 0; batch < BATCHES; batch++) {
          const hostNs = runner.run(N);
          const clock = runner.lastGuestClock;
          assert.ok(clock, 'a guest-clock cell reports its clock after every batch');
          // An exit window open across the gap before the batch is left out; a burst's never is.
          const expected = cell.workload.completion ? N : N - 1;
          assert.equal(clock.windows, expected, 'the batch times every exit but the first, or every burst');
          assert.ok(clock.counted);
          const guestNs = (clock.cycles * 1e9) / hz;
          assert.ok(guestNs > 0, `the guest's TSC advanced (${clock.cycles} cycles)`);
          const bound = hostNs * (1 + RELATIVE_TOLERANCE) + ABSOLUTE_TOLERANCE_NS;
          assert.ok(
            guestNs <= bound,
            `guest-timed ${(guestNs / expected).toFixed(0)} ns/window over ${expected} windows must fit in host-timed ${(hostNs / N).toFixed(0)} ns/exit (batch ${guestNs.toFixed(0)} > ${bound.toFixed(0)} ns)`,
          );
        }
      } finally {
        runner.close();
        kvm.close();
      }
    });
  }
});
