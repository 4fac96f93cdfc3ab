/** Sentences about a comparison that the terminal, Markdown and HTML renderings share. */
import type { CellComparison, Comparison, HostDifference } from '../results/comparison.js';
import { formatChange } from './units.js';

export const cellName = (cell: { workload: string; binding: string }): string => `${cell.workload} / ${cell.binding}`;

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** One line: "1 regression, 2 improvements, 1 inconclusive, 9 cells without significant change". */
export function summaryLine(comparison: Comparison): string {
  const { regressed, improved, unchanged, inconclusive, notGating } = comparison.summary;
  if (comparison.cells.length === 0) return 'no cell was measured in both runs';
  return [
    plural(regressed, 'regression', 'regressions'),
    plural(improved, 'improvement', 'improvements'),
    ...(inconclusive > 0 ? [`${inconclusive} inconclusive`] : []),
    ...(notGating > 0 ? [`${notGating} floor change${notGating === 1 ? '' : 's'} not gating`] : []),
    `${plural(unchanged, 'cell', 'cells')} without significant change`,
  ].join(', ');
}

/** What a cell's verdict rests on, in a few words: "÷ c-loop", "absolute, host-sensitive", "floor, absolute". */
export function basisLabel(cell: CellComparison, floor: string): string {
  if (cell.basis === 'ratio-to-floor') return `÷ ${floor}`;
  if (cell.binding === floor && !cell.gates) return 'floor, absolute (not gating)';
  return 'absolute (host-sensitive)';
}

/** The absolute change beside a ratio verdict, or '' when the verdict already rests on it. */
export function absoluteBeside(cell: CellComparison): string {
  if (!cell.absolute) return '';
  const { verdict, ratio } = cell.absolute;
  return `${formatChange(ratio)}${verdict === 'no significant change' ? '' : ` ${verdict}`}`;
}

/** How the verdicts were reached, in one paragraph. */
export function methodDescription(comparison: Comparison): string {
  const { method } = comparison;
  const overrides = Object.entries(method.thresholdOverrides).map(([name, percent]) => `${name} ${percent} %`);
  const quantity =
    method.basis === 'ratio-to-floor'
      ? `each binding's turn median over the ${method.floor} floor's in the same process and round (a host-wide ` +
        `speed change cancels in it); the ${method.floor} cells themselves on absolute time, which gate only when ` +
        'a paired design (alternating runs, several a side) shows their change in every adjacent pair. '
      : 'absolute time per iteration (host-sensitive: a change of the host’s speed between the runs moves every cell). ';
  const runs =
    method.baselineRuns > 1 || method.currentRuns > 1
      ? `${method.baselineRuns} baseline and ${method.currentRuns} current runs pooled, their processes as units. `
      : '';
  return (
    `Verdicts rest on ${quantity}${runs}` +
    'The unit is the process (the median of its turns; the turn itself in runs of one process, a lower bound); ' +
    "change is the geometric-mean ratio of the units, current over baseline, with a 95 % interval and p from Welch's t " +
    `on their logs, Holm-Bonferroni corrected across ${plural(method.comparisons, 'gated cell', 'gated cells')}. ` +
    `Regressed when corrected p < ${method.alpha} and the change exceeds +threshold; improved likewise below ` +
    '−threshold; inconclusive when p is not significant but the interval reaches beyond the threshold. ' +
    `Threshold: ${method.defaultThresholdPercent} %` +
    (overrides.length > 0 ? ` (${overrides.join(', ')})` : '') +
    (method.basis === 'ratio-to-floor' ? `; absolute times ${method.absoluteThresholdPercent} %.` : '.')
  );
}

export function describeHostDifference(difference: HostDifference): string {
  return `${difference.field}: '${difference.baseline}' (baseline) vs '${difference.current}' (current)`;
}
