/**
 * One workload in two runs: for each binding, the empirical CDF of the baseline's samples (dashed)
 * and of this run's (solid), in the binding's color. A curve shifted right is slower over its whole
 * distribution; the horizontal gap at 50 % is the change in median, and a gap only near the top is
 * a change in the tail.
 */

import { formatNs, timeUnitFor } from '../../../format/units.js';
import type { Measurement } from '../../../results/types.js';
import { quantile } from '../../../stats/estimates.js';
import { html, type SafeHtml } from '../escape.js';
import { isMeasured, type MeasuredCell } from '../model.js';
import type { Palette } from '../palette.js';
import { type LinearScale, linearScale, px } from '../scale.js';
import { CHAR_WIDTH, chartSvg, fitText, xAxis, yAxis } from '../svg.js';

const WIDTH = 560;
const MARGIN_LEFT = 62;
const MARGIN_RIGHT = 16;
const PLOT_HEIGHT = 190;
const AXIS_HEIGHT = 40;
/** More steps than this per curve cannot be told apart at this width: draw every k-th. */
const MAX_STEPS = 400;
/**
 * The x axis spans every curve's bulk, out to Tukey's far fences (3 IQR beyond the quartiles): a
 * few stray samples would otherwise squeeze every curve into a corner. Tails beyond are cut.
 */
const FENCE_IQR = 3;

/** One binding's cell in each run; either may be missing or unmeasured. */
export interface EcdfPair {
  binding: string;
  baseline: Measurement | undefined;
  current: Measurement | undefined;
}

interface Curve {
  binding: string;
  run: 'baseline' | 'current';
  cell: MeasuredCell;
  sorted: number[];
}

/** The extent of a curve's bulk: its samples within the far fences. */
function bulkOf(sorted: readonly number[]): [number, number] {
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  const first = sorted[0] as number;
  const last = sorted[sorted.length - 1] as number;
  return [Math.max(first, q1 - FENCE_IQR * iqr), Math.min(last, q3 + FENCE_IQR * iqr)];
}

/** A time axis over exactly [low, high] plus a little room, labelled in one unit. */
function timeAxis(low: number, high: number, start: number, end: number): LinearScale & { unit: string } {
  const pad = (high - low) * 0.03;
  const unit = timeUnitFor(Math.max(Math.abs(low), Math.abs(high)));
  const scale = linearScale(low - pad, high + pad, start, end, { targetTicks: 6, divisor: unit.ns, exact: true });
  return { ...scale, unit: unit.label };
}

/** The y axis: fraction of samples at or below x, labelled in percent. */
function fractionScale(bottom: number, top: number): LinearScale {
  return {
    domain: [0, 1],
    at: (value) => bottom + value * (top - bottom),
    ticks: [0, 0.25, 0.5, 0.75, 1],
    format: (value) => String(Math.round(value * 100)),
  };
}

/**
 * The ECDF as a staircase within [low, high]: it enters at the fraction of samples below `low`
 * and leaves at the fraction at or below `high`, so a clipped tail stays visibly unfinished.
 */
function staircase(sorted: readonly number[], x: LinearScale, y: LinearScale, low: number, high: number): string {
  const n = sorted.length;
  let index = 0;
  while (index < n && (sorted[index] as number) < low) index++;
  const parts = [`M${px(x.at(low))} ${px(y.at(index / n))}`];
  const inRange: number[] = [];
  for (let i = index; i < n && (sorted[i] as number) <= high; i++) inRange.push(i);
  const stride = Math.max(1, Math.ceil(inRange.length / MAX_STEPS));
  inRange.forEach((i, position) => {
    const last = position === inRange.length - 1;
    if (position % stride !== stride - 1 && !last) return;
    parts.push(`H${px(x.at(sorted[i] as number))}V${px(y.at((i + 1) / n))}`);
  });
  parts.push(`H${px(x.at(high))}`);
  return parts.join('');
}

/** Bindings as colored swatches, then the two line styles: what solid and dashed mean. */
function chartLegend(
  bindings: string[],
  palette: Palette,
  left: number,
  right: number,
): { markup: SafeHtml; height: number } {
  const styleKeyWidth = 2 * (26 + 8 * CHAR_WIDTH + 12);
  const parts: SafeHtml[] = [];
  let cursorX = left;
  let cursorY = 10;
  for (const binding of bindings) {
    const text = fitText(binding, 20);
    const width = 14 + text.length * CHAR_WIDTH + 14;
    if (cursorX + width > right - styleKeyWidth && cursorX > left) {
      cursorX = left;
      cursorY += 16;
    }
    parts.push(
      html`<g class="legend-item"><title>${binding}</title><rect x="${px(cursorX)}" y="${px(cursorY - 5)}" width="10" height="10" rx="2" fill="${palette(binding)}"/><text x="${px(cursorX + 14)}" y="${px(cursorY)}" dy="0.32em">${text}</text></g>`,
    );
    cursorX += width;
  }
  const keyX = right - styleKeyWidth + 8;
  const key = (x: number, label: string, dashed: boolean) =>
    html`<g class="ecdf-key"><path class="${dashed ? 'ecdf-key-line dashed' : 'ecdf-key-line'}" d="M${px(x)} 10H${px(x + 22)}"/><text x="${px(x + 26)}" y="10" dy="0.32em">${label}</text></g>`;
  parts.push(key(keyX, 'this run', false), key(keyX + 26 + 8 * CHAR_WIDTH + 12, 'baseline', true));
  return { markup: html`<g class="legend">${parts}</g>`, height: cursorY - 10 + 16 };
}

/** The ECDF overlay for one workload, or undefined when neither run has samples to draw. */
export function ecdfChart(
  workload: string,
  pairs: EcdfPair[],
  palette: Palette,
  runIds: { baseline: string; current: string },
): SafeHtml | undefined {
  const curves: Curve[] = pairs.flatMap((pair) =>
    (['baseline', 'current'] as const).flatMap((run): Curve[] => {
      const cell = pair[run];
      if (!cell || !isMeasured(cell)) return [];
      return [{ binding: pair.binding, run, cell, sorted: [...cell.samples].sort((a, b) => a - b) }];
    }),
  );
  if (curves.length === 0) return undefined;
  const drawn = pairs.map((pair) => pair.binding).filter((binding) => curves.some((c) => c.binding === binding));

  const plotRight = WIDTH - MARGIN_RIGHT;
  const legend = chartLegend(drawn, palette, MARGIN_LEFT, plotRight);
  const top = 10 + legend.height + 6;
  const plotBottom = top + PLOT_HEIGHT;
  const bulks = curves.map((curve) => bulkOf(curve.sorted));
  const low = Math.min(...bulks.map(([first]) => first));
  const high = Math.max(...bulks.map(([, last]) => last));
  const cut = curves.some((curve) => (curve.sorted[0] as number) < low || (curve.sorted.at(-1) as number) > high);
  const x = timeAxis(low, high, MARGIN_LEFT, plotRight);
  const y = fractionScale(plotBottom, top);
  const [domainLow, domainHigh] = x.domain;

  // Baselines first, so that each run's solid line is drawn over its dashed baseline.
  const ordered = [...curves].sort((a, b) => (a.run === b.run ? 0 : a.run === 'baseline' ? -1 : 1));
  const lines = ordered.map((curve) => {
    const { stats } = curve.cell;
    const which = curve.run === 'baseline' ? `baseline ${runIds.baseline}` : `this run ${runIds.current}`;
    const tooltip = `${curve.binding} · ${which}: median ${formatNs(stats.median)}, p90 ${formatNs(stats.p90)}, p99 ${formatNs(stats.p99)}, n = ${stats.n}`;
    const className = curve.run === 'baseline' ? 'ecdf ecdf-baseline' : 'ecdf ecdf-current';
    return html`<path class="${className}" stroke="${palette(curve.binding)}" d="${staircase(curve.sorted, x, y, domainLow, domainHigh)}"><title>${tooltip}</title></path>`;
  });
  const medianY = px(y.at(0.5));
  const medianLine = html`<g class="reference"><line x1="${px(MARGIN_LEFT)}" x2="${px(plotRight)}" y1="${medianY}" y2="${medianY}"/><text x="${px(plotRight - 2)}" y="${px(y.at(0.5) - 5)}" text-anchor="end">median</text></g>`;

  return chartSvg(
    {
      width: WIDTH,
      height: plotBottom + AXIS_HEIGHT,
      label: `${workload}: ECDF of samples per binding, baseline (dashed) against this run (solid)`,
    },
    [
      legend.markup,
      xAxis(x, top, plotBottom, `time per iteration (${x.unit})${cut ? '; stray tails beyond the axis are cut' : ''}`),
      yAxis(y, MARGIN_LEFT, plotRight, 'samples ≤ x (%)'),
      medianLine,
      html`<g class="ecdf-lines">${lines}</g>`,
    ],
  );
}
