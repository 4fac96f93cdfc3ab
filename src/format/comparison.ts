/** Sentences about a comparison that the terminal, Markdown and HTML renderings share. */
import type { Comparison, HostDifference } from '../results/comparison.js';

export const cellName = (cell: { workload: string; binding: string }): string => `${cell.workload} / ${cell.binding}`;

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** One line: "1 regression, 2 improvements, 9 cells without significant change". */
export function summaryLine(comparison: Comparison): string {
  const { regressed, improved, unchanged } = comparison.summary;
  if (comparison.cells.length === 0) return 'no cell was measured in both runs';
  return [
    plural(regressed, 'regression', 'regressions'),
    plural(improved, 'improvement', 'improvements'),
    `${plural(unchanged, 'cell', 'cells')} without significant change`,
  ].join(', ');
}

/** How the verdicts were reached, in one paragraph. */
export function methodDescription(comparison: Comparison): string {
  const { method } = comparison;
  const overrides = Object.entries(method.thresholdOverrides).map(([name, percent]) => `${name} ${percent} %`);
  return (
    "The unit is the turn (one cell's samples in one round of one process): change is the median of " +
    "the current turn medians over the baseline's, with a 95 % interval from a bootstrap over processes and turns " +
    `(${method.bootstrapResamples} resamples, seed ${method.seed}), widened where both runs have several processes ` +
    "to Welch's t over their per-process medians (the process is then the independent unit); " +
    'p is a two-sided Mann-Whitney U test on the ' +
    `turn medians, Holm-Bonferroni corrected across ${plural(method.comparisons, 'cell', 'cells')}. ` +
    `A cell regressed when its whole interval lies above +threshold and corrected p < ${method.alpha}; ` +
    `improved when it lies below −threshold and p < ${method.alpha}. Threshold: ${method.defaultThresholdPercent} %` +
    (overrides.length > 0 ? ` (${overrides.join(', ')})` : '') +
    '.'
  );
}

export function describeHostDifference(difference: HostDifference): string {
  return `${difference.field}: '${difference.baseline}' (baseline) vs '${difference.current}' (current)`;
}
