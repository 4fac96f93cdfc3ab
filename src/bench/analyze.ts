/**
 * Measured data -> Measurements. Pure: statistics with the turn as the independent unit, the
 * overhead against the floor from pairs of turns in the same round, the exit-count check and what
 * each cell's harness cost. What they warn of is said by the rules in warnings.ts.
 */

import type { CellTrace } from '../results/trace.js';
import type { CompletedWriteCost, ExitCountCheck, Measurement, OverheadVsFloor } from '../results/types.js';
import { HOST_RUNTIME } from '../runtimes/discover.js';
import { median, pairedRatioCi, summarizeTurns, type TurnUnit, turnMedians } from '../stats/estimates.js';
import { guestClockOf, type TscFrequency } from './guest-clock.js';
import type { PlannedCell } from './plan.js';
import type { CellSamples, CellSizing } from './scheduler.js';
import { stepNamesOf } from './workloads.js';

/** Everything measuring and tracing found out about one cell. */
export interface MeasuredCell {
  cell: PlannedCell;
  iterationsPerSample: number;
  samples: CellSamples;
  /** With --processes: the process of each sample. */
  sampleProcesses?: number[];
  calibration?: CellSizing;
  /** Iterations run on the cell's vCPU, calibration and warm-up included. */
  iterations: number;
  interruptedRuns: number;
  exitCountCheck?: ExitCountCheck;
  emulatedInstructionsPerIteration?: number;
  trace?: CellTrace;
}

/**
 * b against a from pairs of turns in the same round (and process), as results record it; undefined
 * when no turn of b has a partner in a (one of them failed early).
 */
export function pairedOverhead(a: readonly TurnUnit[], b: readonly TurnUnit[]): Required<OverheadVsFloor> | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  try {
    const effect = pairedRatioCi(a, b);
    return {
      ratio: effect.ratio,
      ratioCi95: effect.ratioCi95,
      differenceNs: effect.difference,
      differenceCi95: effect.differenceCi95,
      pairs: effect.n,
      confidence: effect.confidence,
    };
  } catch {
    return undefined;
  }
}

function overheadOf(cell: MeasuredCell, floor: MeasuredCell | undefined): OverheadVsFloor | undefined {
  if (!floor || floor === cell) return undefined;
  return pairedOverhead(turnsOf(floor), turnsOf(cell));
}

const turnsOf = (m: MeasuredCell) => turnMedians(m.samples.samples, m.samples.sampleRounds, m.sampleProcesses);

/** How the kernel completes a completion workload's writes, as results name it. */
function completionKind(workload: PlannedCell['workload']): CompletedWriteCost['completion'] {
  if (workload.completion !== 'ioeventfd') return 'coalesced';
  if (workload.ioEventFd?.datamatch !== undefined) return 'ioeventfd-datamatch';
  return workload.ioEventFd?.length === 0 ? 'ioeventfd-any-length' : 'ioeventfd';
}

/**
 * A completion workload's cost per write: per pair of turns in the same round (and process), its
 * iteration less its base workload's (the same exit without the writes), over the writes. Undefined
 * when the run did not measure the base workload through the same binding.
 */
function completedWriteOf(cell: MeasuredCell, cells: readonly MeasuredCell[]): CompletedWriteCost | undefined {
  const { writeCost, completion, inKernelExitsPerIteration: writes } = cell.cell.workload;
  if (!writeCost || completion === undefined || writes < 1 || cell.samples.samples.length === 0) return undefined;
  const base = cells.find(
    (candidate) =>
      candidate.cell.workload.name === writeCost.baseWorkload &&
      candidate.cell.row === cell.cell.row &&
      candidate.cell.runtime === cell.cell.runtime,
  );
  if (!base) return undefined;
  const effect = pairedOverhead(turnsOf(base), turnsOf(cell));
  if (!effect) return undefined;
  return {
    completion: completionKind(cell.cell.workload),
    writesPerIteration: writes,
    baseWorkload: writeCost.baseWorkload,
    nsPerWrite: effect.differenceNs / writes,
    nsPerWriteCi95: [effect.differenceCi95[0] / writes, effect.differenceCi95[1] / writes],
    pairs: effect.pairs,
    confidence: effect.confidence,
    userspaceExitWorkload: writeCost.userspaceExitWorkload,
  };
}

export function measurementOf(
  cell: MeasuredCell,
  floor: MeasuredCell | undefined,
  tscHz: number | undefined,
  guestTsc?: TscFrequency,
): Measurement {
  const { samples, sampleRounds, sampleTimesMs, stepSamples, error } = cell.samples;
  const base: Measurement = {
    workload: cell.cell.workload.name,
    ...(cell.cell.workload.point ? { point: cell.cell.workload.point } : {}),
    binding: cell.cell.row,
    ...(cell.cell.runtime === HOST_RUNTIME && cell.cell.row === cell.cell.binding
      ? {}
      : { runtime: cell.cell.runtime }),
    status: 'ok',
    iterationsPerSample: cell.iterationsPerSample,
    samples,
    sampleRounds,
    ...(cell.sampleProcesses ? { sampleProcesses: cell.sampleProcesses } : {}),
    sampleTimesMs,
    totalIterations: cell.iterations,
    interruptedRuns: cell.interruptedRuns,
    ...(cell.exitCountCheck ? { exitCountCheck: cell.exitCountCheck } : {}),
    ...(cell.emulatedInstructionsPerIteration === undefined
      ? {}
      : { emulatedInstructionsPerIteration: cell.emulatedInstructionsPerIteration }),
    ...(cell.trace ? { trace: cell.trace } : {}),
  };
  if (error !== undefined) return { ...base, status: 'failed', error };
  if (samples.length === 0) return { ...base, status: 'skipped', error: 'no samples were taken (interrupted)' };
  const stats = summarizeTurns(samples, sampleRounds, cell.sampleProcesses);
  const measurement: Measurement = { ...base, stats };
  if (cell.exitCountCheck?.matched === false) {
    measurement.status = 'suspect';
    measurement.error = cell.exitCountCheck.detail;
  }
  if (cell.calibration && Number.isFinite(cell.calibration.probeNsPerIteration)) {
    const sampleNs = median(samples) * cell.iterationsPerSample;
    measurement.calibration = {
      probeNsPerIteration: cell.calibration.probeNsPerIteration,
      emptyBatchNs: cell.calibration.emptyBatchNs,
      sampleNs,
      harnessShare: cell.calibration.emptyBatchNs / sampleNs,
      ...(cell.calibration.jitWarmupIterations === undefined
        ? {}
        : { jitWarmupIterations: cell.calibration.jitWarmupIterations }),
    };
  }
  if (tscHz) measurement.medianCycles = (stats.median * tscHz) / 1e9;
  const overhead = overheadOf(cell, floor);
  if (overhead) measurement.overheadVsFloor = overhead;
  if (cell.samples.guestClock) {
    measurement.guestClock = guestClockOf(
      cell.samples.guestClock,
      samples,
      sampleRounds,
      cell.sampleProcesses,
      cell.iterationsPerSample,
      guestTsc ?? { source: 'unknown: no TSC frequency was looked up' },
    );
    if (cell.cell.guest?.guestClock?.window === 'writes') {
      measurement.guestClock.writesPerWindow = cell.cell.workload.inKernelExitsPerIteration;
    }
  }
  if (stepSamples) {
    measurement.stepSamples = stepSamples;
    measurement.steps = (stepNamesOf(cell.cell.workload) ?? []).map((name, i) => ({
      name,
      stats: summarizeTurns(stepSamples[i] as number[], sampleRounds, cell.sampleProcesses),
    }));
  }
  return measurement;
}

/** Measurements for every cell, each exit cell against the floor binding of its workload. */
/** A cell the run did not measure: its workload needs what this host lacks (the reason says what). */
export function skippedMeasurement(cell: PlannedCell, reason: string): Measurement {
  return {
    workload: cell.workload.name,
    binding: cell.row,
    ...(cell.runtime === HOST_RUNTIME && cell.row === cell.binding ? {} : { runtime: cell.runtime }),
    status: 'skipped',
    // No batch was sized and no sample taken: 1 is the least the schema allows.
    iterationsPerSample: 1,
    samples: [],
    sampleRounds: [],
    sampleTimesMs: [],
    totalIterations: 0,
    interruptedRuns: 0,
    error: reason,
  };
}

export function measurementsOf(
  cells: readonly MeasuredCell[],
  floorBinding: string | undefined,
  tscHz: number | undefined,
  guestTsc?: TscFrequency,
): Measurement[] {
  return cells.map((cell) => {
    const floor = cells.find(
      (candidate) =>
        candidate.cell.workload === cell.cell.workload &&
        candidate.cell.runtime === cell.cell.runtime &&
        candidate.cell.binding === floorBinding,
    );
    const measurement = measurementOf(cell, floor, tscHz, guestTsc);
    const write = measurement.stats ? completedWriteOf(cell, cells) : undefined;
    return write ? { ...measurement, completedWrite: write } : measurement;
  });
}
