/**
 * A/A calibration: the same build measured several times in a row, each run compared with the
 * first, on both quantities `compare` judges: the binding / floor ratio (the default gate) and
 * absolute time (`--absolute-threshold`, `--on absolute`, the floor). Per workload it reports the
 * largest A/A change, the farthest interval edge, a threshold above the changes seen, and the power
 * that spread leaves: the smallest change `compare` would catch in 90 % of runs.
 */

import { floorRowOf, isFloorRow } from '../results/rows.js';
import type { Measurement, Results } from '../results/types.js';
import { Mulberry32, varianceOfMean } from '../stats/estimates.js';
import { studentTTwoSidedQuantile } from '../stats/hypothesis.js';
import { compareResults, DEFAULT_ALPHA } from './compare-results.js';
import { processCount, ratioTurns, testUnits, unitsOf } from './units.js';
import { MIN_TURNS_FOR_TEST } from './warnings.js';

/** What the A/A runs show of one quantity of one workload. */
export interface QuantityNoise {
  /** Largest |change| of a run against the first, over the workload's cells and the runs, percent. */
  worstChangePercent: number;
  /** Largest distance from 1 of any 95 % interval bound, percent. */
  worstCiEdgePercent: number;
  /** Above every A/A change seen, with a 1.5x margin; at least 1 %. */
  suggestedThresholdPercent: number;
  /**
   * Spread of one unit (a process's median; a turn in runs of one process) on the log scale, as a
   * percentage: the largest over the workload's cells, each pooled over the runs.
   */
  unitSdPercent: number;
  /** Units a side in one run, and the cells Holm's correction covers, behind detectable90Percent. */
  units: number;
  comparisons: number;
  /**
   * The smallest true change that one run a side would flag in 90 % of pairs, at the suggested
   * threshold, in the workload's noisiest cell. Undefined when one unit a side leaves no test.
   */
  detectable90Percent: number | undefined;
}

export interface WorkloadNoise {
  workload: string;
  /** The binding / floor ratio of the workload's binding cells; undefined without a floor or a binding. */
  ratio: QuantityNoise | undefined;
  /** Absolute time of every cell of the workload, the floor's included. */
  absolute: QuantityNoise;
}

export interface Calibration {
  workloads: WorkloadNoise[];
  /** Units a side: per-process medians (the default run) or turns (runs of one process, a lower bound). */
  unit: 'process' | 'turn';
  runs: number;
}

const POWER = 0.9;

/**
 * The smallest true change (percent) caught with probability `power` by compare's test between two
 * sides of `units` values each whose logs spread by `sd`. A change is caught when Welch's t on the
 * logs clears the Holm-adjusted level (at its strictest step, alpha / comparisons, as when one cell
 * alone changed) and the estimate lies beyond the threshold: with d the difference of the mean logs,
 * se its estimated standard error and df Welch's degrees of freedom,
 *   d > max(t(alpha / comparisons, df) × se, ln(1 + threshold)).
 * With a true change δ, d = δ + sd × (z̄b − z̄a) and se = sd × s(z), z standard normal draws, so each
 * draw is caught from δ_i = max(t(df_i) × sd × s_i, ln(1 + threshold)) − sd × (z̄b − z̄a) on; the
 * change caught in `power` of the draws is that quantile of δ_i (seeded draws: the same answer every
 * time). The normal-theory shortcut (t_c + t_power) × se would be optimistic here: with four units a
 * side se itself is uncertain and Welch's df fall to about 3 when the sides' spreads differ.
 */
export function detectableChange(
  sd: number,
  units: number,
  thresholdPercent: number,
  comparisons: number,
  alpha = DEFAULT_ALPHA,
  power = POWER,
  draws = 2000,
): number | undefined {
  if (units < 2 || !(sd >= 0)) return undefined;
  const limit = Math.log(1 + thresholdPercent / 100);
  if (sd === 0) return thresholdPercent;
  const random = new Mulberry32(1);
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(Math.max(random.next(), 1e-12))) * Math.cos(2 * Math.PI * random.next());
  const level = alpha / Math.max(1, comparisons);
  const tCritical = new Map<number, number>();
  const needed: number[] = [];
  for (let draw = 0; draw < draws; draw++) {
    const a = varianceOfMean(Array.from({ length: units }, normal));
    const b = varianceOfMean(Array.from({ length: units }, normal));
    const variance = a.varianceOfMean + b.varianceOfMean;
    const df = Math.max(1, variance ** 2 / ((a.varianceOfMean ** 2 + b.varianceOfMean ** 2) / (units - 1)));
    // df rounded down to 0.01 (a slightly larger t): one quantile per distinct df.
    const key = Math.floor(df * 100) / 100;
    let t = tCritical.get(key);
    if (t === undefined) {
      t = studentTTwoSidedQuantile(level, key);
      tCritical.set(key, t);
    }
    needed.push(Math.max(t * sd * Math.sqrt(variance), limit) - sd * (b.mean - a.mean));
  }
  needed.sort((x, y) => x - y);
  const delta = needed[Math.min(draws - 1, Math.ceil(power * draws) - 1)] as number;
  return (Math.exp(Math.max(delta, limit)) - 1) * 100;
}

/** Sample sd of the logs of each run's units, pooled over the runs (each run around its own mean). */
function pooledLogSd(unitsPerRun: readonly number[][]): number {
  let squares = 0;
  let df = 0;
  for (const units of unitsPerRun) {
    if (units.length < 2) continue;
    const logs = units.map(Math.log);
    const mean = logs.reduce((sum, value) => sum + value, 0) / logs.length;
    squares += logs.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    df += logs.length - 1;
  }
  return df > 0 ? Math.sqrt(squares / df) : 0;
}

interface Worst {
  change: number;
  edge: number;
  sd: number;
  units: number;
}

const cellOf = (run: Results, workload: string, binding: string): Measurement | undefined =>
  run.measurements.find((m) => m.workload === workload && m.binding === binding && m.status === 'ok');

export function calibrate(runs: readonly Results[]): Calibration {
  if (runs.length < 2) throw new Error('calibration needs at least two runs');
  const [first, ...rest] = runs as [Results, ...Results[]];
  const comparisons = rest.map((run) => compareResults(first, run));
  const floor = first.floor ?? 'c-loop';
  const ratioWorst = new Map<string, Worst>();
  const absoluteWorst = new Map<string, Worst>();
  const note = (map: Map<string, Worst>, workload: string, change: number, edge: number): void => {
    const worst = map.get(workload) ?? { change: 0, edge: 0, sd: 0, units: Number.POSITIVE_INFINITY };
    map.set(workload, { ...worst, change: Math.max(worst.change, change), edge: Math.max(worst.edge, edge) });
  };
  const percentOff = (ratio: number): number => Math.abs(ratio - 1) * 100;
  for (const comparison of comparisons) {
    for (const cell of comparison.cells) {
      const absolute = cell.basis === 'absolute' ? cell : cell.absolute;
      if (absolute)
        note(absoluteWorst, cell.workload, percentOff(absolute.ratio), Math.max(...absolute.ratioCi95.map(percentOff)));
      if (cell.basis === 'ratio-to-floor')
        note(ratioWorst, cell.workload, percentOff(cell.ratio), Math.max(...cell.ratioCi95.map(percentOff)));
    }
  }
  // The spread of one unit, cell by cell over the runs; a workload keeps its noisiest cell.
  let perProcess = false;
  for (const cell of first.measurements) {
    const { workload, binding } = cell;
    const turnsPerRun = runs.flatMap((run) => {
      const measurement = cellOf(run, workload, binding);
      return measurement && measurement.samples.length > 0 ? [unitsOf(measurement)] : [];
    });
    if (turnsPerRun.length < 2) continue;
    const several = turnsPerRun.some((turns) => processCount(turns) > 1);
    perProcess ||= several;
    const spread = (map: Map<string, Worst>, unitsPerRun: number[][]): void => {
      const worst = map.get(workload);
      if (!worst) return;
      const units = Math.min(...unitsPerRun.map((units) => units.length));
      map.set(workload, {
        ...worst,
        sd: Math.max(worst.sd, pooledLogSd(unitsPerRun)),
        units: Math.min(worst.units, units),
      });
    };
    spread(
      absoluteWorst,
      turnsPerRun.map((turns) => testUnits(turns, several)),
    );
    if (isFloorRow(binding, floor)) continue;
    const ratios = runs.flatMap((run) => {
      const [measurement, floorCell] = [
        cellOf(run, workload, binding),
        cellOf(run, workload, floorRowOf(binding, floor)),
      ];
      return measurement && floorCell ? [testUnits(ratioTurns(unitsOf(measurement), unitsOf(floorCell)), several)] : [];
    });
    if (ratios.length >= 2) spread(ratioWorst, ratios);
  }
  const gated = comparisons[0]?.method.comparisons ?? 1;
  const absoluteCells = comparisons[0]?.cells.length ?? 1;
  const summarise = (worst: Worst, comparisonsCovered: number): QuantityNoise => {
    const suggested = Math.max(1, Math.ceil(worst.change * 1.5));
    const units = Number.isFinite(worst.units) ? worst.units : 0;
    // Turns of one process below MIN_TURNS_FOR_TEST a side get no test in compare: nothing is caught.
    const testable = perProcess || units >= MIN_TURNS_FOR_TEST;
    return {
      worstChangePercent: worst.change,
      worstCiEdgePercent: worst.edge,
      suggestedThresholdPercent: suggested,
      unitSdPercent: worst.sd * 100,
      units,
      comparisons: comparisonsCovered,
      detectable90Percent: testable ? detectableChange(worst.sd, units, suggested, comparisonsCovered) : undefined,
    };
  };
  const workloads = [...absoluteWorst].map(([workload, absolute]) => {
    const ratio = ratioWorst.get(workload);
    return {
      workload,
      ratio: ratio ? summarise(ratio, gated) : undefined,
      absolute: summarise(absolute, absoluteCells),
    };
  });
  return { workloads, unit: perProcess ? 'process' : 'turn', runs: runs.length };
}

/** The --threshold-for value to paste into `kvmbench compare` (the default gate: the ratio). */
export function thresholdOption(calibration: Calibration): string {
  return calibration.workloads
    .flatMap((n) => (n.ratio ? [`${n.workload}=${n.ratio.suggestedThresholdPercent}`] : []))
    .join(',');
}

/** The --absolute-threshold to paste: one value for every workload, so the largest suggested. */
export function absoluteThresholdOption(calibration: Calibration): number {
  return Math.max(1, ...calibration.workloads.map((n) => n.absolute.suggestedThresholdPercent));
}

const percent = (value: number | undefined, digits = 1): string =>
  value === undefined ? '—' : `${value.toFixed(digits)} %`;

/** The two noise tables (ratio, absolute) and the compare command line that uses them. */
export function formatCalibration(
  calibration: Calibration,
  suggested: { thresholdFor: string; absoluteThreshold: number },
): string {
  const unit =
    calibration.unit === 'process'
      ? 'per-process medians'
      : 'turns of one process (a lower bound: compare warns about such runs)';
  const lines = [`A/A noise over ${calibration.runs} runs, each against the first; units: ${unit}.`];
  const table = (title: string, pick: (n: WorkloadNoise) => QuantityNoise | undefined): void => {
    lines.push('', title);
    lines.push(
      `${'workload'.padEnd(20)}${'worst change'.padStart(14)}${'worst CI edge'.padStart(15)}${'unit sd'.padStart(10)}${'threshold'.padStart(11)}${'caught 90 %'.padStart(13)}`,
    );
    for (const n of calibration.workloads) {
      const q = pick(n);
      if (!q) continue;
      lines.push(
        `${n.workload.padEnd(20)}${percent(q.worstChangePercent, 2).padStart(14)}${percent(q.worstCiEdgePercent, 2).padStart(15)}${percent(q.unitSdPercent, 2).padStart(10)}${`${q.suggestedThresholdPercent} %`.padStart(11)}${(q.detectable90Percent === undefined ? '—' : `≥ ${percent(q.detectable90Percent)}`).padStart(13)}`,
      );
    }
  };
  table('binding / floor ratio (the default gate; its threshold: --threshold-for):', (n) => n.ratio);
  table('absolute time (--absolute-threshold, --on absolute, the floor):', (n) => n.absolute);
  lines.push(
    '',
    '"caught 90 %": the smallest change one run a side flags in 90 % of pairs at that threshold and',
    "this spread (Welch's t, Holm across the cells at its strictest step); — where no test is possible.",
    '',
    `kvmbench compare BASE CURRENT${suggested.thresholdFor ? ` --threshold-for ${suggested.thresholdFor}` : ''} --absolute-threshold ${suggested.absoluteThreshold}`,
    '',
  );
  return lines.join('\n');
}
