/**
 * Overhead of each JS binding over the C loop for one workload: a bar from 1× to the median ratio
 * with its 95 % interval over pairs of turns. One chart per workload because ratios differ by workload kind
 * (a null ioctl can cost 3× the floor while an exit costs a few percent more).
 */

import { formatChange, formatNsSigned, formatRatio } from '../../../format/units.js';
import { isFloorRow } from '../../../results/rows.js';
import type { Measurement } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import { FLOOR_BINDING } from '../model.js';
import type { Palette } from '../palette.js';
import { linearScale, px } from '../scale.js';
import { chartSvg, errorBar, note, seriesLabel, xAxis } from '../svg.js';

const WIDTH = 560;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 128;
const ROW_HEIGHT = 26;
const TOP = 18;
const AXIS_HEIGHT = 36;

export function overheadChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const rows = cells.filter((cell) => !isFloorRow(cell.binding, FLOOR_BINDING));
  const ratios = rows.flatMap((cell) => (cell.overheadVsFloor ? [cell.overheadVsFloor] : []));
  const plotRight = WIDTH - MARGIN_RIGHT;
  const plotBottom = TOP + Math.max(1, rows.length) * ROW_HEIGHT;
  const scale = linearScale(
    Math.min(1, ...ratios.map((overhead) => overhead.ratioCi95[0])),
    Math.max(1, ...ratios.map((overhead) => overhead.ratioCi95[1])),
    MARGIN_LEFT,
    plotRight,
    { targetTicks: 5 },
  );
  const one = scale.at(1);
  const reference = html`<g class="reference"><line x1="${px(one)}" x2="${px(one)}" y1="${TOP - 4}" y2="${plotBottom}"/><text x="${px(one)}" y="${TOP - 8}" text-anchor="middle">${FLOOR_BINDING} = 1</text></g>`;

  const bars = rows.map((cell, index) => {
    const y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const color = palette(cell.binding);
    const label = seriesLabel(MARGIN_LEFT - 4, y, cell.binding, color);
    const overhead = cell.overheadVsFloor;
    if (!overhead) {
      const why = cell.status === 'ok' ? `no ${FLOOR_BINDING} floor to compare with` : cell.status;
      return html`${label}${note(MARGIN_LEFT + 6, y, why, 'note note-failed')}`;
    }
    const x = scale.at(overhead.ratio);
    const [ciLow, ciHigh] = overhead.ratioCi95;
    const tooltip = `${cell.binding}: ${formatRatio(overhead.ratio)} ${FLOOR_BINDING} [${formatRatio(ciLow)}, ${formatRatio(ciHigh)}], ${formatNsSigned(overhead.differenceNs)} [${formatNsSigned(overhead.differenceCi95[0])}, ${formatNsSigned(overhead.differenceCi95[1])}]`;
    return html`${label}<g class="overhead"><title>${tooltip}</title><rect x="${px(Math.min(one, x))}" y="${px(y - 7)}" width="${px(Math.max(1, Math.abs(x - one)))}" height="14" fill="${color}" fill-opacity="0.8"/>${errorBar(scale.at(ciLow), scale.at(ciHigh), y, 8, 'ci ci-dark')}</g>${note(plotRight + 8, y, `${formatChange(overhead.ratio)} · ${formatNsSigned(overhead.differenceNs)}`, 'value')}`;
  });
  const empty =
    rows.length === 0 ? note(MARGIN_LEFT + 6, TOP + ROW_HEIGHT / 2, 'no bindings besides the floor') : false;

  return chartSvg(
    {
      width: WIDTH,
      height: plotBottom + AXIS_HEIGHT,
      label: `Overhead of each binding over ${FLOOR_BINDING} for ${workload}`,
    },
    [
      xAxis(scale, TOP, plotBottom, `median ÷ ${FLOOR_BINDING} median (×), 95 % CI`),
      reference,
      ...bars,
      html`${empty}`,
    ],
  );
}
