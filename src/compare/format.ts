/** Numbers, order and wording shared by the comparison's terminal and Markdown renderings. */
import type { CellComparison, Comparison, Verdict } from './compare-results.js';

export { formatNs } from '../report/format.js';

const signedPercent = (ratio: number): string => {
  const percent = (ratio - 1) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}`;
};

/** A ratio as a signed change: 1.2 → "+20.0 %". */
export const formatChange = (ratio: number): string => `${signedPercent(ratio)} %`;

/** A ratio interval as signed changes: "[+18.1, +22.0] %". */
export const formatChangeCi = ([low, high]: readonly [number, number]): string =>
  `[${signedPercent(low)}, ${signedPercent(high)}] %`;

export const formatP = (p: number): string => (p < 0.001 ? '< 0.001' : p.toFixed(3));

export const cellName = (cell: { workload: string; binding: string }): string => `${cell.workload} / ${cell.binding}`;

const VERDICT_RANK: Record<Verdict, number> = { regressed: 0, improved: 1, 'no significant change': 2 };

/** Regressions first (largest slowdown first), then improvements (largest speed-up first), then the rest by size. */
export function orderByEffect(cells: readonly CellComparison[]): CellComparison[] {
  const size = (cell: CellComparison): number => Math.abs(Math.log(cell.ratio));
  return [...cells].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || size(b) - size(a));
}

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
    'Change is median(current) / median(baseline) with a bootstrap 95 % percentile interval ' +
    `(${method.bootstrapResamples} resamples, seed ${method.seed}); p is a two-sided Mann-Whitney U test ` +
    `(normal approximation), Holm-Bonferroni corrected across ${plural(method.comparisons, 'cell', 'cells')}. ` +
    `A cell regressed when its whole interval lies above +threshold and corrected p < ${method.alpha}; ` +
    `improved when it lies below -threshold and p < ${method.alpha}. Threshold: ${method.defaultThresholdPercent} %` +
    (overrides.length > 0 ? ` (${overrides.join(', ')})` : '') +
    '.'
  );
}
