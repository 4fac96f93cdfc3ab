/**
 * Where one round trip's time goes, from --trace ftrace: per binding, a stacked bar of the time
 * inside KVM_RUN (split into kernel and guest where kvm_entry / kvm_exit fire) and the userspace
 * turnaround between two KVM_RUNs, in the binding's color because it is the binding's own cost.
 * Two ticks per row: the harness's time per iteration during the traced batch (what the bar should
 * add up to) and the untraced measured median (tracing makes the traced batch slower). Where the
 * trace phase estimated the tracepoints' own share of the turnaround, that end of the turnaround is
 * drawn faded and labelled as an estimate.
 */

import { formatNs, formatPercent } from '../../../format/units.js';
import type { ExitSplit } from '../../../results/trace.js';
import type { Measurement } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import type { Palette } from '../palette.js';
import { px, timeScale } from '../scale.js';
import { CHAR_WIDTH, chartSvg, note, seriesLabel, xAxis } from '../svg.js';

/** Fill colors of the parts inside KVM_RUN; the turnaround takes the binding's color. */
export const KERNEL_COLOR = '#b3bccb';
export const GUEST_COLOR = '#a9cce3';

const WIDTH = 1140;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 200;
const ROW_HEIGHT = 30;
const TOP = 10;
const AXIS_HEIGHT = 36;
const BAR_HEIGHT = 20;
const TICK_HALF = 14;

/** A split with KVM_RUN round trips in it (the null-ioctl baseline's loop has none). */
export type SplitCell = Measurement & { trace: NonNullable<Measurement['trace']> & { split: ExitSplit } };

export function hasRoundTrips(cell: Measurement): cell is SplitCell {
  return cell.trace?.split !== undefined && cell.trace.split.runs > 0;
}

/** Time in the kernel per KVM_RUN: what is left of it besides the guest's share. */
export function kernelNs(split: ExitSplit): number | undefined {
  return split.inGuestNs === undefined ? undefined : Math.max(0, split.inKvmRunNs - split.inGuestNs);
}

interface Part {
  name: string;
  ns: number;
  color: string;
  /** 'segment', plus 'segment-binding' for the part drawn in the binding's color. */
  className: string;
}

function partsOf(cell: SplitCell, color: string): Part[] {
  const { split } = cell.trace;
  const kernel = kernelNs(split);
  const inRun: Part[] =
    kernel === undefined || split.inGuestNs === undefined
      ? [{ name: 'inside KVM_RUN', ns: split.inKvmRunNs, color: KERNEL_COLOR, className: 'segment' }]
      : [
          { name: 'inside KVM_RUN: kernel', ns: kernel, color: KERNEL_COLOR, className: 'segment' },
          { name: 'inside KVM_RUN: guest', ns: split.inGuestNs, color: GUEST_COLOR, className: 'segment' },
        ];
  const share = cell.trace.tracingCost?.tracepointShare;
  if (!share) {
    return [
      ...inRun,
      { name: 'userspace turnaround', ns: split.userspaceTurnaroundNs, color, className: 'segment segment-binding' },
    ];
  }
  const tracepoints = split.userspaceTurnaroundNs - share.turnaroundWithoutNs;
  return [
    ...inRun,
    {
      name: 'userspace turnaround without the tracepoints (estimate)',
      ns: share.turnaroundWithoutNs,
      color,
      className: 'segment segment-binding',
    },
    {
      name: "userspace turnaround: the tracepoints' own work (estimate)",
      ns: tracepoints,
      color,
      className: 'segment segment-binding segment-tracepoints',
    },
  ];
}

/** A vertical tick across the bar, over a halo in the card's color so it shows on any segment. */
function tick(x: string, y: number): SafeHtml {
  const d = `M${x} ${px(y - TICK_HALF)}V${px(y + TICK_HALF)}`;
  return html`<path class="halo" d="${d}"/><path d="${d}"/>`;
}

function rowNote(cell: Measurement): string {
  if (cell.status !== 'ok') return `${cell.status}: not traced`;
  if (!cell.trace) return 'not traced';
  if (!cell.trace.split) return 'no ftrace split';
  return 'no KVM_RUN in the traced loop';
}

export function traceSplitChart(workload: string, cells: Measurement[], palette: Palette): SafeHtml {
  const plotRight = WIDTH - MARGIN_RIGHT;
  const plotBottom = TOP + cells.length * ROW_HEIGHT;
  const extents = cells.flatMap((cell) =>
    hasRoundTrips(cell)
      ? [cell.trace.split.roundTripNs, cell.trace.tracedLoopNsPerIteration, cell.stats?.median ?? 0]
      : [],
  );
  const scale = timeScale(0, Math.max(...extents), MARGIN_LEFT, plotRight);

  const rows = cells.map((cell, index) => {
    const y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const color = palette(cell.binding);
    const label = seriesLabel(MARGIN_LEFT - 4, y, cell.binding, color);
    if (!hasRoundTrips(cell)) return html`${label}${note(MARGIN_LEFT + 6, y, rowNote(cell), 'note note-failed')}`;
    const { split, tracedLoopNsPerIteration: loop } = cell.trace;
    let cursor = 0;
    const segments = partsOf(cell, color).map((part) => {
      const x = scale.at(cursor);
      const width = scale.at(cursor + part.ns) - x;
      cursor += part.ns;
      const value = formatNs(part.ns);
      // The turnaround's value is in the note on the right; in the bar it would collide with the ticks.
      const fits = part.className === 'segment' && value.length * CHAR_WIDTH + 6 <= width;
      const faded = part.className.includes('segment-tracepoints') ? html` fill-opacity="0.4"` : '';
      return html`<g class="${part.className}"><title>${cell.binding} · ${part.name}: ${value} per round trip</title><rect x="${px(x)}" y="${px(y - BAR_HEIGHT / 2)}" width="${px(Math.max(0.5, width))}" height="${BAR_HEIGHT}" fill="${part.color}"${faded}/>${fits && html`<text class="segment-value" x="${px(x + width / 2)}" y="${px(y)}" dy="0.32em" text-anchor="middle">${value}</text>`}</g>`;
    });
    const loopX = px(scale.at(loop));
    const loopTick = html`<g class="trace-loop"><title>${cell.binding}: traced loop ${formatNs(loop)} per iteration; the trace accounts for ${formatPercent(split.roundTripNs / loop)} of it</title>${tick(loopX, y)}</g>`;
    const median = cell.stats?.median;
    const medianTick =
      median !== undefined &&
      html`<g class="trace-untraced"><title>${cell.binding}: untraced median ${formatNs(median)} per iteration (the measured rounds)</title>${tick(px(scale.at(median)), y)}</g>`;
    const share = cell.trace.tracingCost?.tracepointShare;
    const summary = share
      ? `turnaround ${formatNs(split.userspaceTurnaroundNs)} (≈${formatNs(share.turnaroundWithoutNs)} w/o tracepoints)`
      : `turnaround ${formatNs(split.userspaceTurnaroundNs)} · loop ${formatNs(loop)}`;
    return html`${label}${segments}${medianTick}${loopTick}${note(plotRight + 8, y, summary, 'value')}`;
  });

  return chartSvg(
    {
      width: WIDTH,
      height: plotBottom + AXIS_HEIGHT,
      label: `${workload}: where each round trip's time goes, per binding (ftrace)`,
    },
    [xAxis(scale, TOP, plotBottom, `time per round trip (${scale.unit}), traced batch`), ...rows],
  );
}
