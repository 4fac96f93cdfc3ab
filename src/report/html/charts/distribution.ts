/**
 * Distribution of one workload's samples per binding: a box (quartiles, median) with p1–p99
 * whiskers, and the samples themselves as a jittered strip under it, so bimodality and outliers show.
 */

import { formatNs } from '../../../format/units.js';
import type { Measurement } from '../../../results/types.js';
import { Mulberry32, quantile } from '../../../stats/estimates.js';
import { html, type SafeHtml } from '../escape.js';
import { isMeasured, type MeasuredCell } from '../model.js';
import type { Palette } from '../palette.js';
import { px, timeScale } from '../scale.js';
import { chartSvg, note, seriesLabel, xAxis } from '../svg.js';

const WIDTH = 560;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 34;
const ROW_HEIGHT = 36;
const TOP = 6;
const AXIS_HEIGHT = 36;
/** More points than this per row only blur into a band; draw an even subset. */
const MAX_STRIP_POINTS = 600;

interface Whiskers {
  low: number;
  high: number;
}

function whiskersOf(cell: MeasuredCell): Whiskers {
  return { low: quantile(cell.samples, 0.01), high: quantile(cell.samples, 0.99) };
}

function everyNth<T>(values: readonly T[], max: number): T[] {
  if (values.length <= max) return [...values];
  const stride = Math.ceil(values.length / max);
  return values.filter((_, index) => index % stride === 0);
}

export function distributionChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const measured = cells.filter(isMeasured);
  const whiskers = new Map(measured.map((cell) => [cell, whiskersOf(cell)]));
  const lows = [...whiskers.values()].map((w) => w.low);
  const highs = [...whiskers.values()].map((w) => w.high);
  const plotBottom = TOP + cells.length * ROW_HEIGHT;
  const height = plotBottom + AXIS_HEIGHT;
  const scale = timeScale(Math.min(...lows), Math.max(...highs), MARGIN_LEFT, WIDTH - MARGIN_RIGHT);
  const [domainLow, domainHigh] = scale.domain;

  const rows = cells.map((cell, index) => {
    const y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const color = palette(cell.binding);
    const label = seriesLabel(MARGIN_LEFT - 4, y - 4, cell.binding, color);
    if (!isMeasured(cell)) {
      return html`${label}${note(MARGIN_LEFT + 6, y - 4, `${cell.status}: no samples`, 'note note-failed')}`;
    }
    const { stats } = cell;
    const whisker = whiskers.get(cell) as Whiskers;
    const random = new Mulberry32(0x5eed + index);
    let belowAxis = 0;
    let aboveAxis = 0;
    const points = everyNth(cell.samples, MAX_STRIP_POINTS).flatMap((sample) => {
      const jitter = random.next();
      if (sample < domainLow) belowAxis++;
      else if (sample > domainHigh) aboveAxis++;
      else return [html`<circle cx="${px(scale.at(sample))}" cy="${px(y + 6 + jitter * 9)}" r="1.6"/>`];
      return [];
    });
    const boxTop = y - 12;
    const boxHeight = 13;
    const middle = boxTop + boxHeight / 2;
    const tooltip = `${cell.binding}: median ${formatNs(stats.median)}, quartiles ${formatNs(stats.q1)}–${formatNs(stats.q3)}, p1–p99 ${formatNs(whisker.low)}–${formatNs(whisker.high)}, n = ${stats.n}`;
    const offScale = [
      belowAxis > 0 && note(MARGIN_LEFT - 2, y + 10, `‹${belowAxis}`, 'note off-scale'),
      aboveAxis > 0 && note(WIDTH - MARGIN_RIGHT + 3, y + 10, `${aboveAxis}›`, 'note off-scale'),
    ];
    return html`${label}<g class="strip" fill="${color}">${points}</g><g class="box"><title>${tooltip}</title><path class="whisker" stroke="${color}" d="M${px(scale.at(whisker.low))} ${px(middle)}H${px(scale.at(stats.q1))}M${px(scale.at(stats.q3))} ${px(middle)}H${px(scale.at(whisker.high))}M${px(scale.at(whisker.low))} ${px(middle - 4)}V${px(middle + 4)}M${px(scale.at(whisker.high))} ${px(middle - 4)}V${px(middle + 4)}"/><rect x="${px(scale.at(stats.q1))}" y="${px(boxTop)}" width="${px(Math.max(1, scale.at(stats.q3) - scale.at(stats.q1)))}" height="${boxHeight}" fill="${color}" fill-opacity="0.28" stroke="${color}"/><line class="median" x1="${px(scale.at(stats.median))}" x2="${px(scale.at(stats.median))}" y1="${px(boxTop - 1)}" y2="${px(boxTop + boxHeight + 1)}" stroke="${color}"/></g>${offScale}`;
  });

  return chartSvg({ width: WIDTH, height, label: `Distribution of ${workload} samples per binding` }, [
    xAxis(scale, TOP, plotBottom, `time per iteration (${scale.unit})`),
    ...rows,
  ]);
}
