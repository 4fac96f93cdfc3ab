/**
 * The HTML report's sweep section: per series a log-log cost-vs-size chart (median per point, its
 * 95 % interval as a band, the fitted line dashed) and a table with the fit. Self-contained SVG:
 * it relies on the report's `html` escaping and chart classes only.
 */

import { formatNs } from '../../format/units.js';
import { pointSizeLabel, SERIES, type SeriesName } from '../../results/sweep-points.js';
import type { Results } from '../../results/types.js';
import { html, type SafeHtml } from '../html/escape.js';
import { type SweepSeries, sweepSeries } from './summary.js';

const WIDTH = 600;
const HEIGHT = 300;
const LEFT = 70;
const RIGHT = 120;
const TOP = 14;
const BOTTOM = 44;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export const SERIES_TITLES: Record<SeriesName, string> = {
  memory: 'Guest memory, 4 KiB pages: map, set region, touch every page, tear down',
  'memory-thp': 'Guest memory, transparent huge pages: map, set region, touch every page, tear down',
  'memory-hugetlb': 'Guest memory, MAP_HUGETLB: map, set region, touch every page, tear down',
  'dirty-log': 'Guest memory with dirty logging: … touch, KVM_GET_DIRTY_LOG, tear down',
  'vcpu-create': 'KVM_CREATE_VCPU × K on a fresh VM',
  'vcpu-exits': 'One pio-out exit on each of K vCPUs (worker threads)',
  vms: 'N VMs created, run to HLT and destroyed at once (worker threads)',
};

function logScale(min: number, max: number, from: number, to: number) {
  const lo = Math.log10(min);
  const hi = Math.log10(max > min ? max : min * 10);
  return (value: number) => from + ((Math.log10(value) - lo) / (hi - lo)) * (to - from);
}

const n1 = (value: number) => value.toFixed(1);

/** The log-log chart of one series: a line per binding (or per host and binding in a fleet). */
export function sweepChart(series: SeriesName, lines: SweepSeries[]): SafeHtml {
  const sizes = [...new Set(lines.flatMap((line) => line.points.map((point) => point.size)))].sort((a, b) => a - b);
  const lows = lines.flatMap((line) => line.points.map((point) => point.ci95[0])).filter((v) => v > 0);
  const highs = lines.flatMap((line) => line.points.map((point) => point.ci95[1]));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...lows)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...highs)));
  const x = logScale(sizes[0] as number, sizes[sizes.length - 1] as number, LEFT, WIDTH - RIGHT);
  const y = logScale(yMin, yMax, HEIGHT - BOTTOM, TOP);
  const yTicks: number[] = [];
  for (let tick = yMin; tick <= yMax * 1.0001; tick *= 10) yTicks.push(tick);
  const grid = [
    ...yTicks.map(
      (tick) =>
        html`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n1(y(tick))}" y2="${n1(y(tick))}"/><text class="tick" x="${LEFT - 6}" y="${n1(y(tick) + 4)}" text-anchor="end">${formatNs(tick)}</text>`,
    ),
    ...sizes.map(
      (size) =>
        html`<line class="grid" x1="${n1(x(size))}" x2="${n1(x(size))}" y1="${TOP}" y2="${HEIGHT - BOTTOM}"/><text class="tick" x="${n1(x(size))}" y="${HEIGHT - BOTTOM + 14}" text-anchor="middle">${pointSizeLabel(series, size)}</text>`,
    ),
    html`<line class="axis-line" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${HEIGHT - BOTTOM}" y2="${HEIGHT - BOTTOM}"/>`,
    html`<text class="axis-title" x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${SERIES[series].column.replace('_', ' ')} (log)</text>`,
    html`<text class="axis-title" x="14" y="${(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(TOP + HEIGHT - BOTTOM) / 2})">time per iteration (log)</text>`,
  ];
  const drawn = lines.map((line, index) => {
    const color = COLORS[index % COLORS.length] as string;
    const points = line.points.filter((point) => point.median > 0);
    const band = [
      ...points.map((point) => `${n1(x(point.size))},${n1(y(Math.max(point.ci95[1], yMin)))}`),
      ...[...points].reverse().map((point) => `${n1(x(point.size))},${n1(y(Math.max(point.ci95[0], yMin)))}`),
    ].join(' ');
    const path = points.map((point) => `${n1(x(point.size))},${n1(y(point.median))}`).join(' ');
    const fit = line.fit;
    let fitted: SafeHtml = html``;
    if (fit) {
      const first = points[0]?.units ?? 1;
      const last = points[points.length - 1]?.units ?? first;
      const perUnit = (points[0]?.size ?? 1) / first;
      const curve: string[] = [];
      for (let i = 0; i <= 40; i++) {
        const units = first * (last / first) ** (i / 40);
        const value = fit.fixed + fit.slope * units;
        if (value > yMin && value < yMax) curve.push(`${n1(x(units * perUnit))},${n1(y(value))}`);
      }
      if (curve.length > 1) {
        fitted = html`<polyline points="${curve.join(' ')}" fill="none" stroke="${color}" stroke-width="1" stroke-dasharray="4 3" opacity="0.8"/>`;
      }
    }
    const lastPoint = points[points.length - 1];
    const label = lastPoint
      ? html`<text x="${n1(x(lastPoint.size) + 6)}" y="${n1(y(lastPoint.median) + 4 + index * 11)}" fill="${color}">${line.binding}</text>`
      : html``;
    return html`<g><polygon points="${band}" fill="${color}" opacity="0.15"/>${fitted}<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>${points.map(
      (point) =>
        html`<circle cx="${n1(x(point.size))}" cy="${n1(y(point.median))}" r="3" fill="${color}"><title>${point.workload} / ${line.binding}: ${formatNs(point.median)} [${formatNs(point.ci95[0])}, ${formatNs(point.ci95[1])}]</title></circle>`,
    )}${label}</g>`;
  });
  return html`<svg class="chart sweep-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${SERIES_TITLES[series]}" font-size="11">${grid}${drawn}</svg>`;
}

function interval(low: number, high: number, format: (value: number) => string): string {
  return `[${format(low)}, ${format(high)}]`;
}

function fitRow(line: SweepSeries): SafeHtml {
  const fit = line.fit;
  if (!fit) return html`<tr><td>${line.binding}</td><td colspan="4">fewer than two measured points</td></tr>`;
  const departures = fit.departures.length
    ? fit.departures
        .map(
          (d) =>
            `${pointSizeLabel(line.series, d.units * (line.sweep === 'memory' ? 4096 : 1))} ×${d.ratio.toFixed(2)}`,
        )
        .join(', ')
    : 'none';
  return html`<tr><td>${line.binding}</td><td>${formatNs(fit.slope)} ${interval(fit.slopeCi95[0], fit.slopeCi95[1], formatNs)} per ${line.unit}</td><td>${formatNs(fit.fixed)} ${interval(fit.fixedCi95[0], fit.fixedCi95[1], formatNs)}</td><td>${fit.exponent.toFixed(2)} ${interval(fit.exponentCi95[0], fit.exponentCi95[1], (v) => v.toFixed(2))}</td><td>${departures}</td></tr>`;
}

function pointsTable(series: SeriesName, lines: SweepSeries[]): SafeHtml {
  const sizes = [...new Set(lines.flatMap((line) => line.points.map((point) => point.size)))].sort((a, b) => a - b);
  const rate = series === 'vcpu-exits' ? 'exits/s' : series === 'vms' ? 'VMs/s' : undefined;
  const cell = (line: SweepSeries, size: number) => {
    const point = line.points.find((candidate) => candidate.size === size);
    if (!point) return html`<td>—</td>`;
    const perSecond =
      rate && point.perSecond ? ` · ${Math.round(point.perSecond).toLocaleString('en-US')} ${rate}` : '';
    const steps = point.steps?.map((step) => `${step.name} ${formatNs(step.median)}`).join(' · ');
    return html`<td title="${interval(point.ci95[0], point.ci95[1], formatNs)}, ${point.turns} turns">${formatNs(point.median)}${perSecond}${steps ? html`<br><small>${steps}</small>` : ''}</td>`;
  };
  return html`<table class="sweep-points"><thead><tr><th>${SERIES[series].column}</th>${lines.map((line) => html`<th>${line.binding}</th>`)}</tr></thead><tbody>${sizes.map(
    (size) => html`<tr><td>${pointSizeLabel(series, size)}</td>${lines.map((line) => cell(line, size))}</tr>`,
  )}</tbody></table>`;
}

/** True when the results hold sweep points. */
export function hasSweeps(results: Results): boolean {
  return sweepSeries(results).length > 0;
}

export function sweepsSection(results: Results): SafeHtml {
  const all = sweepSeries(results);
  if (all.length === 0) return html``;
  const bySeries = new Map<SeriesName, SweepSeries[]>();
  for (const line of all) bySeries.set(line.series, [...(bySeries.get(line.series) ?? []), line]);
  const blocks = [...bySeries].map(
    ([series, lines]) => html`<h3>${SERIES_TITLES[series]}</h3>
<figure>${sweepChart(series, lines)}<figcaption>Median per point (95 % interval over turns shaded), log-log; dashed: the fitted line fixed + slope × ${lines[0]?.unit ?? 'unit'}.</figcaption></figure>
<table class="sweep-fit"><thead><tr><th>binding</th><th>slope [95 % CI]</th><th>fixed cost [95 % CI]</th><th>growth exponent, larger half [95 % CI]</th><th>off the line (&gt;25 %)</th></tr></thead><tbody>${lines.map(fitRow)}</tbody></table>
${pointsTable(series, lines)}`,
  );
  return html`<section id="sweeps"><h2>Sweeps: how costs grow</h2>
<p>Each point is a workload (e.g. <code>memory@1MiB</code>), measured in the same interleaved rounds and checked like every other cell. Slopes and the growth exponent (1 = linear) come from a bootstrap over each point's turns.</p>
${blocks}</section>`;
}
