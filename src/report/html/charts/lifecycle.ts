/**
 * Where a VM lifecycle's time goes: per binding, the median of each step (create_vm, ...,
 * teardown) stacked left to right, with the lifecycle's own median marked for comparison.
 * Medians of parts need not add up to the median of the whole; the marker shows by how much.
 */

import { formatNs } from '../../../format/units.js';
import type { Measurement } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import type { Palette } from '../palette.js';
import { stepColor } from '../palette.js';
import { px, timeScale } from '../scale.js';
import { CHAR_WIDTH, chartSvg, legend, note, seriesLabel, xAxis } from '../svg.js';

const WIDTH = 1140;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 190;
const ROW_HEIGHT = 30;
const AXIS_HEIGHT = 36;

/** Step names in the order the first binding reports them, then any others. */
export function stepOrder(cells: Measurement[]): string[] {
  const names: string[] = [];
  for (const cell of cells) for (const step of cell.steps ?? []) if (!names.includes(step.name)) names.push(step.name);
  return names;
}

function stepTotal(cell: Measurement): number {
  return (cell.steps ?? []).reduce((sum, step) => sum + step.stats.median, 0);
}

export function lifecycleChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const steps = stepOrder(cells);
  const stepLegend = legend(
    steps.map((name, index) => ({ label: name, color: stepColor(index) })),
    MARGIN_LEFT,
    10,
    WIDTH - 10,
  );
  const top = 10 + stepLegend.height + 4;
  const plotRight = WIDTH - MARGIN_RIGHT;
  const plotBottom = top + cells.length * ROW_HEIGHT;
  const longest = Math.max(...cells.map((cell) => Math.max(stepTotal(cell), cell.stats?.median ?? 0)));
  const scale = timeScale(0, longest, MARGIN_LEFT, plotRight);

  const rows = cells.map((cell, index) => {
    const y = top + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const label = seriesLabel(MARGIN_LEFT - 4, y, cell.binding, palette(cell.binding));
    if (!cell.steps || cell.steps.length === 0) {
      return html`${label}${note(MARGIN_LEFT + 6, y, cell.status === 'ok' ? 'no step timings' : cell.status, 'note note-failed')}`;
    }
    let cursor = 0;
    const segments = cell.steps.map((step) => {
      const x = scale.at(cursor);
      const width = scale.at(cursor + step.stats.median) - x;
      cursor += step.stats.median;
      const value = formatNs(step.stats.median);
      const [ciLow, ciHigh] = step.stats.medianCi95;
      const fits = value.length * CHAR_WIDTH + 6 <= width;
      return html`<g class="segment"><title>${step.name} · ${cell.binding}: median ${value} [${formatNs(ciLow)}, ${formatNs(ciHigh)}]</title><rect x="${px(x)}" y="${px(y - 10)}" width="${px(Math.max(0.5, width))}" height="20" fill="${stepColor(steps.indexOf(step.name))}"/>${fits && html`<text class="segment-value" x="${px(x + width / 2)}" y="${px(y)}" dy="0.32em" text-anchor="middle">${value}</text>`}</g>`;
    });
    const whole = cell.stats?.median;
    const marker =
      whole !== undefined &&
      html`<g class="whole-marker"><title>${cell.binding}: lifecycle median ${formatNs(whole)}</title><path d="M${px(scale.at(whole))} ${px(y - 14)}V${px(y + 14)}"/></g>`;
    const summary = `steps ${formatNs(cursor)}${whole === undefined ? '' : ` · whole ${formatNs(whole)}`}`;
    return html`${label}${segments}${marker}${note(plotRight + 8, y, summary, 'value')}`;
  });

  return chartSvg(
    { width: WIDTH, height: plotBottom + AXIS_HEIGHT, label: `${workload}: median time of each step per binding` },
    [stepLegend.markup, xAxis(scale, top, plotBottom, `median time per step, stacked (${scale.unit})`), ...rows],
  );
}
