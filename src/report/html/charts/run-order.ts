/**
 * Samples in the order they were taken: value against time since the run started, one color per
 * binding. Rounds interleave every workload, so one workload's samples sit in short bursts with
 * long gaps between; each round therefore gets its own panel on a shared value axis, which keeps
 * both the trend inside a round and the step between rounds visible.
 */

import type { Measurement } from '../../../results/types.js';
import { quantile } from '../../../stats/estimates.js';
import { html, type SafeHtml } from '../escape.js';
import { isMeasured, type MeasuredCell } from '../model.js';
import type { Palette } from '../palette.js';
import { type LinearScale, linearScale, px, timeScale } from '../scale.js';
import { chartSvg, legend, note, xAxis, yAxis } from '../svg.js';

const WIDTH = 560;
const HEIGHT = 250;
const MARGIN_LEFT = 62;
const MARGIN_RIGHT = 12;
const MARGIN_BOTTOM = 40;
const PANEL_GAP = 10;
const MAX_POINTS_PER_SERIES = 1500;

interface RoundPanel {
  round: number;
  startMs: number;
  endMs: number;
}

/** One panel per round value, spanning that round's sample times over all cells. */
function roundPanels(cells: MeasuredCell[]): RoundPanel[] {
  const panels = new Map<number, RoundPanel>();
  for (const cell of cells) {
    cell.sampleTimesMs.forEach((time, index) => {
      // A cell without round numbers is drawn as one round.
      const round = cell.sampleRounds[index] ?? 0;
      const panel = panels.get(round);
      if (panel) {
        panel.startMs = Math.min(panel.startMs, time);
        panel.endMs = Math.max(panel.endMs, time);
      } else {
        panels.set(round, { round, startMs: time, endMs: time });
      }
    });
  }
  return [...panels.values()].sort((a, b) => a.startMs - b.startMs);
}

export function runOrderChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const measured = cells.filter(isMeasured);
  const plotRight = WIDTH - MARGIN_RIGHT;
  const series = legend(
    measured.map((cell) => ({ label: cell.binding, color: palette(cell.binding) })),
    MARGIN_LEFT,
    10,
    plotRight - 150,
  );
  const top = 10 + series.height + 2;
  const plotBottom = HEIGHT - MARGIN_BOTTOM;
  // Clip the value axis to p0.5–p99.5 so one stray sample cannot flatten everyone else's trend.
  const y = timeScale(
    Math.min(...measured.map((cell) => quantile(cell.samples, 0.005))),
    Math.max(...measured.map((cell) => quantile(cell.samples, 0.995))),
    plotBottom,
    top,
    5,
  );
  const [yLow, yHigh] = y.domain;

  const panels = roundPanels(measured);
  const panelWidth = (plotRight - MARGIN_LEFT - PANEL_GAP * (panels.length - 1)) / Math.max(1, panels.length);
  const panelScales = new Map<number, LinearScale>();
  const panelMarkup = panels.map((panel, index) => {
    const left = MARGIN_LEFT + index * (panelWidth + PANEL_GAP);
    // A little air at both ends, and ticks only inside, so neighbouring panels' labels never touch.
    const pad = Math.max(1, (panel.endMs - panel.startMs) * 0.04);
    const x = linearScale(panel.startMs - pad, panel.endMs + pad, left, left + panelWidth, {
      targetTicks: 3,
      divisor: 1000,
      exact: true,
    });
    x.ticks = x.ticks.filter((tick) => x.at(tick) > left + 12 && x.at(tick) < left + panelWidth - 12);
    panelScales.set(panel.round, x);
    const title = panels.length > 1 ? `round ${index + 1} (s)` : 'time since run start (s)';
    return html`<rect class="round-band${index % 2 === 1 ? ' odd' : ''}" x="${px(left)}" y="${px(top)}" width="${px(panelWidth)}" height="${px(plotBottom - top)}"/>${xAxis(x, top, plotBottom, title)}`;
  });

  let clipped = 0;
  const points = measured.map((cell) => {
    const stride = Math.ceil(cell.samples.length / MAX_POINTS_PER_SERIES);
    const circles: SafeHtml[] = [];
    for (let index = 0; index < cell.samples.length; index += stride) {
      const value = cell.samples[index] as number;
      const time = cell.sampleTimesMs[index];
      const x = panelScales.get(cell.sampleRounds[index] ?? 0);
      if (time === undefined || !x) continue;
      const outside = value < yLow || value > yHigh;
      if (outside) clipped++;
      const cy = y.at(Math.min(yHigh, Math.max(yLow, value)));
      circles.push(
        html`<circle${outside ? html` class="clipped"` : ''} cx="${px(x.at(time))}" cy="${px(cy)}" r="1.8"/>`,
      );
    }
    return html`<g class="run-order-series" fill="${palette(cell.binding)}" stroke="${palette(cell.binding)}"><title>${cell.binding}</title>${circles}</g>`;
  });
  const clippedNote = clipped > 0 && note(plotRight, 10, `${clipped} off-scale, hollow on the edge`, 'note note-end');

  return chartSvg({ width: WIDTH, height: HEIGHT, label: `${workload}: samples in run order` }, [
    series.markup,
    html`${clippedNote}`,
    html`${panelMarkup}`,
    yAxis(y, MARGIN_LEFT, plotRight, `per iteration (${y.unit})`),
    ...points,
  ]);
}
