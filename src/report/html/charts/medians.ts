/**
 * Binding comparison for one workload: each median with its 95 % interval over turns on a zoomed
 * axis, and a dashed line at the floor's median, so "is napi really slower than c-loop?" is one look.
 */

import { formatNs, formatNsInterval } from '../../../format/units.js';
import { isFloorRow } from '../../../results/rows.js';
import type { Measurement } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import { FLOOR_BINDING, isMeasured } from '../model.js';
import type { Palette } from '../palette.js';
import { px, timeScale } from '../scale.js';
import { chartSvg, errorBar, note, seriesLabel, xAxis } from '../svg.js';

const WIDTH = 560;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 150;
const ROW_HEIGHT = 28;
const TOP = 18;
const AXIS_HEIGHT = 36;

export function mediansChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const measured = cells.filter(isMeasured);
  const plotRight = WIDTH - MARGIN_RIGHT;
  const plotBottom = TOP + cells.length * ROW_HEIGHT;
  const scale = timeScale(
    Math.min(...measured.map((cell) => cell.stats.medianCi95[0])),
    Math.max(...measured.map((cell) => cell.stats.medianCi95[1])),
    MARGIN_LEFT,
    plotRight,
    5,
  );

  // With several runtimes, the line is the first runtime's floor (each row's own is in the overhead chart).
  const floor = measured.find((cell) => isFloorRow(cell.binding, FLOOR_BINDING));
  const floorLine =
    floor &&
    html`<g class="reference"><line x1="${px(scale.at(floor.stats.median))}" x2="${px(scale.at(floor.stats.median))}" y1="${TOP - 4}" y2="${plotBottom}"/><text x="${px(scale.at(floor.stats.median))}" y="${TOP - 8}" text-anchor="middle">${floor?.binding}</text></g>`;

  const rows = cells.map((cell, index) => {
    const y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const color = palette(cell.binding);
    const label = seriesLabel(MARGIN_LEFT - 4, y, cell.binding, color);
    if (!isMeasured(cell)) return html`${label}${note(MARGIN_LEFT + 6, y, `${cell.status}`, 'note note-failed')}`;
    const [low, high] = cell.stats.medianCi95;
    const median = cell.stats.median;
    const value = `${formatNs(median)} (${formatNsInterval(low, high)})`;
    return html`${label}<g class="median-ci" stroke="${color}"><title>${cell.binding}: median ${value} (95 % CI)</title>${errorBar(scale.at(low), scale.at(high), y, 10)}<circle cx="${px(scale.at(median))}" cy="${px(y)}" r="4" fill="${color}"/></g>${note(plotRight + 8, y, value, 'value')}`;
  });

  return chartSvg(
    { width: WIDTH, height: plotBottom + AXIS_HEIGHT, label: `Median of ${workload} per binding with 95 % CI` },
    [xAxis(scale, TOP, plotBottom, `median time per iteration (${scale.unit}), 95 % CI`), floorLine || html``, ...rows],
  );
}
