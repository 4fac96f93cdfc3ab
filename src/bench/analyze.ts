/**
 * Measured data -> Measurements and warnings. Pure: statistics with the turn as the independent
 * unit, the overhead against the floor from pairs of turns in the same round, the exit-count check
 * and what each cell's harness cost. One warning per kind, naming its cells.
 */

import type { CellTrace } from '../results/trace.js';
import type { ExitCountCheck, HarnessInfo, Measurement, OverheadVsFloor } from '../results/types.js';
import { HOST_RUNTIME } from '../runtimes/discover.js';
import { median, pairedRatioCi, summarizeTurns, turnMedians } from '../stats/estimates.js';
import { guestClockOf, type TscFrequency } from './guest-clock.js';
import type { PlannedCell } from './plan.js';
import type { CellCalibration, CellSamples } from './scheduler.js';
import { stepNamesOf } from './workloads.js';

/** A coefficient of variation above this makes a cell's numbers worth a warning. */
const NOISY_CV = 0.1;
/** The harness's own cost per sample must stay below this share of the sample. */
const MAX_HARNESS_SHARE = 0.001;
/**
 * A JIT warm-up that ran this share of its count is enough. With V8's budget lowered, the last of the
 * lifecycle's functions was optimized after ~500 of 600 lifecycles per binding; one still short of its
 * budget when V8's default is put back then needs 8x as many calls, more than the rounds make, so a
 * warm-up cut much before its count leaves it unoptimized for the whole run.
 */
const JIT_WARMUP_ENOUGH = 0.9;

/** Everything measuring and tracing found out about one cell. */
export interface MeasuredCell {
  cell: PlannedCell;
  iterationsPerSample: number;
  samples: CellSamples;
  /** With --processes: the process of each sample. */
  sampleProcesses?: number[];
  calibration?: CellCalibration;
  /** Iterations run on the cell's vCPU, calibration and warm-up included. */
  iterations: number;
  interruptedRuns: number;
  exitCountCheck?: ExitCountCheck;
  emulatedInstructionsPerIteration?: number;
  trace?: CellTrace;
}

function overheadOf(cell: MeasuredCell, floor: MeasuredCell | undefined): OverheadVsFloor | undefined {
  if (!floor || floor === cell || floor.samples.samples.length === 0 || cell.samples.samples.length === 0)
    return undefined;
  const units = (m: MeasuredCell) => turnMedians(m.samples.samples, m.samples.sampleRounds, m.sampleProcesses);
  try {
    const effect = pairedRatioCi(units(floor), units(cell));
    return {
      ratio: effect.ratio,
      ratioCi95: effect.ratioCi95,
      differenceNs: effect.difference,
      differenceCi95: effect.differenceCi95,
      pairs: effect.n,
      confidence: effect.confidence,
    };
  } catch {
    return undefined; // no turn of this cell has a partner turn of the floor (it failed early)
  }
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
    return measurementOf(cell, floor, tscHz, guestTsc);
  });
}

const where = (m: Measurement) => `${m.workload} / ${m.binding}`;

/** A warning names this many cells, the worst first, and counts the rest. */
const NAMED_CELLS = 4;

/** One warning per kind of problem, naming its cells. */
export function warningsFor(
  measurements: readonly Measurement[],
  targetSampleNs: number,
  jitWarmup?: HarnessInfo['jitWarmup'],
  quick = false,
): string[] {
  const warnings: string[] = [];
  // The worst few by name, the rest counted: every cell's own numbers are in its measurement.
  const list = (cells: Measurement[], detail: (m: Measurement) => string, worst?: (m: Measurement) => number) => {
    const ordered = worst ? [...cells].sort((a, b) => worst(b) - worst(a)) : cells;
    const named = ordered.slice(0, NAMED_CELLS).map((m) => `${where(m)} (${detail(m)})`);
    const more = cells.length - named.length;
    return `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  };
  for (const m of measurements) if (m.status === 'failed') warnings.push(`${where(m)} failed: ${m.error}`);

  const suspect = measurements.filter((m) => m.status === 'suspect');
  if (suspect.length) {
    warnings.push(
      `${suspect.length} cell(s) are suspect: KVM's own exit counter disagrees with the harness: ${list(suspect, (m) => m.error ?? '')}`,
    );
  }
  const notCounted = measurements.filter((m) => m.exitCountCheck?.notCounted);
  if (notCounted.length) {
    const counters = [...new Set(notCounted.map((m) => m.exitCountCheck?.notCounted))].join(', ');
    const named = notCounted.slice(0, NAMED_CELLS).map(where).join(', ');
    const more = notCounted.length > NAMED_CELLS ? ` and ${notCounted.length - NAMED_CELLS} more` : '';
    warnings.push(
      `this host's KVM never counts ${counters}: ${notCounted.length} cell(s) were checked against its exits counter instead: ${named}${more}`,
    );
  }
  const emulated = measurements.filter((m) => (m.emulatedInstructionsPerIteration ?? 0) > 0);
  if (emulated.length) {
    warnings.push(
      `KVM's instruction emulator ran guest code in ${emulated.length} cell(s): their times include it (emulated instructions per iteration: ${list(
        emulated,
        (m) => (m.emulatedInstructionsPerIteration ?? 0).toFixed(1),
        (m) => m.emulatedInstructionsPerIteration ?? 0,
      )})`,
    );
  }
  const noisy = measurements.filter((m) => m.stats && m.stats.cv > NOISY_CV);
  if (noisy.length) {
    warnings.push(
      `${noisy.length} of ${measurements.length} cells are noisy (CV of samples above ${NOISY_CV * 100} %): compare their medians by their CIs, close other work, or pin with --pin: ${list(
        noisy,
        (m) => `CV ${((m.stats?.cv ?? 0) * 100).toFixed(0)} %`,
        (m) => m.stats?.cv ?? 0,
      )}`,
    );
  }
  const fewTurns = measurements.filter((m) => m.stats && (m.stats.ciConfidence ?? 1) < 0.95);
  if (fewTurns.length) {
    warnings.push(
      `too few turns for a 95 % interval, raise --rounds: ${list(fewTurns, (m) => `${m.stats?.turns} turns, ${((m.stats?.ciConfidence ?? 0) * 100).toFixed(0)} % interval`)}`,
    );
  }
  const short = measurements.filter((m) => m.calibration && m.calibration.sampleNs < targetSampleNs);
  if (short.length) {
    warnings.push(
      `samples shorter than the ${(targetSampleNs / 1e6).toFixed(1)} ms intended (the loop got faster after calibration): ${list(
        short,
        (m) => `${((m.calibration?.sampleNs ?? 0) / 1e6).toFixed(2)} ms`,
        (m) => -(m.calibration?.sampleNs ?? 0),
      )}`,
    );
  }
  const unwarmed = measurements.filter((m) => {
    const asked = jitWarmup?.iterations[m.workload];
    const ran = m.calibration?.jitWarmupIterations;
    return asked !== undefined && ran !== undefined && ran < JIT_WARMUP_ENOUGH * asked;
  });
  if (unwarmed.length) {
    const counts = list(
      unwarmed,
      (m) => `${m.calibration?.jitWarmupIterations} of ${jitWarmup?.iterations[m.workload]} iterations`,
    );
    const limit = `${((jitWarmup?.maxMs ?? 0) / 1000).toFixed(1)} s`;
    warnings.push(
      quick
        ? `--quick gives the JIT warm-up ${limit}, so these JS rows were measured before V8 had optimized them and read a few % high (a default run measures them settled): ${counts}`
        : `the JIT warm-up ended at its ${limit} limit well before its count, so the first rounds may include unoptimized JS (raise --jit-warmup): ${counts}`,
    );
  }
  const costly = measurements.filter((m) => m.calibration && m.calibration.harnessShare > MAX_HARNESS_SHARE);
  if (costly.length) {
    warnings.push(
      `the harness's own cost per sample is above ${MAX_HARNESS_SHARE * 100} % of the sample: ${list(
        costly,
        (m) => `${((m.calibration?.harnessShare ?? 0) * 100).toFixed(2)} %`,
        (m) => m.calibration?.harnessShare ?? 0,
      )}`,
    );
  }
  const noGuestClock = measurements.filter((m) => m.guestClock && m.guestClock.status !== 'ok');
  if (noGuestClock.length) {
    warnings.push(
      `the guest's own clock gives no ns figure in ${noGuestClock.length} cell(s): ${list(noGuestClock, (m) => m.guestClock?.note ?? '')}`,
    );
  }
  const interrupted = measurements.filter((m) => (m.interruptedRuns ?? 0) > 0);
  if (interrupted.length) {
    warnings.push(
      `KVM_RUN or KVM_CREATE_VM returned EINTR (a signal, or task work such as io_uring's pending on the thread) and was made again: ${list(interrupted, (m) => `${m.interruptedRuns}x`)}`,
    );
  }
  return warnings;
}
