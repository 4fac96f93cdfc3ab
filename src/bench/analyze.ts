/** Turns measured cells into Measurements: statistics, overhead against the C floor, warnings. */
import type { Cell } from './cell.js';
import { LIFECYCLE_STEPS } from './lifecycle.js';
import type { Measurement } from './results.js';
import { ratioCi, summarize } from './stats.js';

/** A coefficient of variation above this makes a cell's numbers worth a warning. */
const NOISY_CV = 0.1;
const MIN_SAMPLES = 5;

export function measurementOf(cell: Cell, floor: Cell | undefined, tscHz: number | undefined): Measurement {
  const base = {
    workload: cell.workload.name,
    binding: cell.binding.name,
    iterationsPerSample: cell.iterationsPerSample,
    samples: cell.samples,
    sampleRounds: cell.sampleRounds,
    sampleTimesMs: cell.sampleTimesMs,
    totalIterations: cell.totalIterations,
  };
  if (cell.failed) return { ...base, status: 'failed', error: cell.error as string };
  if (cell.samples.length === 0) return { ...base, status: 'skipped', error: 'no samples were taken (interrupted)' };
  const stats = summarize(cell.samples);
  const measurement: Measurement = { ...base, status: 'ok', stats };
  if (tscHz) measurement.medianCycles = (stats.median * tscHz) / 1e9;
  if (floor && floor !== cell && !floor.failed && floor.samples.length > 0) {
    const overhead = ratioCi(floor.samples, cell.samples);
    measurement.overheadVsFloor = {
      ratio: overhead.ratio,
      ratioCi95: overhead.ratioCi95,
      differenceNs: overhead.difference,
      differenceCi95: overhead.differenceCi95,
    };
  }
  const check = cell.exitCountCheck();
  if (check) measurement.exitCountCheck = check;
  if (cell.workload.loop === 'lifecycle') {
    measurement.steps = LIFECYCLE_STEPS.map((name, i) => ({ name, stats: summarize(cell.stepSamples[i] as number[]) }));
  }
  return measurement;
}

export function warningsFor(measurements: Measurement[]): string[] {
  const warnings: string[] = [];
  const noisy: string[] = [];
  const few: string[] = [];
  for (const m of measurements) {
    const where = `${m.workload} / ${m.binding}`;
    if (m.status === 'failed') warnings.push(`${where} failed: ${m.error}`);
    if (!m.stats) continue;
    if (m.stats.cv > NOISY_CV) noisy.push(`${where} (CV ${(m.stats.cv * 100).toFixed(0)} %)`);
    if (m.stats.n < MIN_SAMPLES) few.push(`${where} (${m.stats.n})`);
    if (m.exitCountCheck?.matched === false) warnings.push(`${where}: ${m.exitCountCheck.detail}`);
  }
  if (noisy.length) {
    warnings.push(
      `${noisy.length} of ${measurements.length} cells are noisy (CV above ${NOISY_CV * 100} %): compare their medians by their CIs, close other work, or pin with --pin: ${noisy.join(', ')}`,
    );
  }
  if (few.length) warnings.push(`too few samples, raise --rounds or --time-per-round: ${few.join(', ')}`);
  return warnings;
}
