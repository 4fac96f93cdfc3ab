/**
 * ftrace's untraced references: an immediate-exit probe VM per binding that has none among the
 * run's cells, and untraced samples of a cell taken between its traced batches.
 */
import { getBinding } from '../../bindings/registry.js';
import type { BindingName } from '../../bindings/types.js';
import { loadGuest } from '../../guests/manifest.js';
import type { Kvm } from '../../kvm/system.js';
import { median } from '../../stats/estimates.js';
import { timeSlicer, yieldToEventLoop } from '../../util/time-slice.js';
import { type CellRunner, openCellRunner } from '../cell.js';
import { hereCell } from '../plan.js';
import { workloadCatalogue } from '../workloads.js';
import { batchSize } from './tracer.js';

/** A probe's warm-up (JIT, KVM's first entries). */
const PROBE_WARMUP_NS = 50_000_000;
/** Untraced samples per cell and round, between the traced batches (tracepoints off). */
const UNTRACED_SAMPLES = 11;
const UNTRACED_SAMPLE_NS = 500_000;

export interface Probe {
  runner: CellRunner;
  /** Its untraced ns per iteration after the warm-up: sizes its batches, and is its untraced base. */
  nsPerIteration: number;
}

/**
 * An immediate-exit VM per binding that has exit cells but no immediate-exit cell (the reference
 * for the tracepoints' cost), warmed up; its untraced ns per iteration sizes its batches. Probe
 * cells have negative indices. The caller closes the probes.
 */
export async function openProbes(
  runners: readonly CellRunner[],
  kvmFor: (binding: BindingName) => Kvm | undefined,
  keepGoing: () => boolean,
): Promise<Probe[]> {
  const workload = workloadCatalogue().find((w) => w.loop === 'immediate-exit');
  if (!workload) return [];
  const covered = new Set(runners.filter((r) => r.cell.workload.loop === 'immediate-exit').map((r) => r.cell.binding));
  const needed = [...new Set(runners.filter((r) => r.cell.workload.kind === 'exit').map((r) => r.cell.binding))];
  const probes: Probe[] = [];
  try {
    for (const binding of needed.filter((b) => !covered.has(b))) {
      await yieldToEventLoop();
      if (!keepGoing()) break;
      const kvm = kvmFor(binding);
      if (!kvm) continue;
      const cell = hereCell({ index: -1 - probes.length, workload, binding, guest: loadGuest(workload.guest) });
      const probe: Probe = { runner: openCellRunner(cell, getBinding(binding), kvm), nsPerIteration: Number.NaN };
      probes.push(probe);
      probe.nsPerIteration = await warmUp(probe.runner, keepGoing);
    }
  } catch (error) {
    for (const probe of probes) probe.runner.close();
    throw error;
  }
  return probes;
}

/** Runs a probe for PROBE_WARMUP_NS (yielding between slices), then times it untraced: ns per iteration. */
async function warmUp(runner: CellRunner, keepGoing: () => boolean): Promise<number> {
  runner.run(1);
  const probeNs = runner.run(1000) / 1000;
  const warmupEnd = performance.now() + PROBE_WARMUP_NS / 1e6;
  const slicer = timeSlicer();
  while (performance.now() < warmupEnd && keepGoing()) {
    runner.run(batchSize(probeNs, 0.1));
    await slicer.maybeYield();
  }
  const n = batchSize(probeNs, 0.5);
  return runner.run(n) / n;
}

/**
 * Untraced samples of one cell, timed like the measured rounds (~0.5 ms each, their median), with
 * the tracepoints off: the base of the tracing cost, measured in the same round as the traced batch.
 */
export function untracedSample(runner: CellRunner, nsPerIteration: number): number {
  const n = Math.max(1, Math.round(UNTRACED_SAMPLE_NS / Math.max(nsPerIteration, 1)));
  const samples: number[] = [];
  for (let i = 0; i < UNTRACED_SAMPLES; i++) samples.push(runner.run(n) / n);
  return median(samples);
}
