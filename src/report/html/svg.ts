/**
 * SVG building blocks shared by the charts: the frame, axes with ticks and units, labels and
 * legends. Colors of text, axes and grid come from the stylesheet (classes), so the dark theme
 * needs no second set of charts; binding colors are attributes because they carry meaning.
 */
import { html, type SafeHtml } from './escape.js';
import { type LinearScale, px } from './scale.js';

/** Layout constants every chart shares, so that charts line up and text sizes match. */
export const FONT_SIZE = 11;
export const CHAR_WIDTH = 6.2;

export interface ChartFrame {
  width: number;
  height: number;
  /** Accessible name; also shown as a tooltip. */
  label: string;
}

export function chartSvg(frame: ChartFrame, body: SafeHtml | SafeHtml[]): SafeHtml {
  return html`<svg class="chart" viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img" aria-label="${frame.label}" font-size="${FONT_SIZE}">${body}</svg>`;
}

/** Shortens a label to fit `maxChars`, with an ellipsis; the full text goes in a tooltip. */
export function fitText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** Vertical grid lines, tick labels under the plot and the axis title (with its unit). */
export function xAxis(scale: LinearScale, top: number, bottom: number, title: string): SafeHtml {
  const [start, end] = [scale.at(scale.domain[0]), scale.at(scale.domain[1])];
  const ticks = scale.ticks.map((tick) => {
    const x = px(scale.at(tick));
    return html`<line class="grid" x1="${x}" x2="${x}" y1="${px(top)}" y2="${px(bottom)}"/><text class="tick" x="${x}" y="${px(bottom + 13)}" text-anchor="middle">${scale.format(tick)}</text>`;
  });
  return html`<g class="axis">${ticks}<line class="axis-line" x1="${px(start)}" x2="${px(end)}" y1="${px(bottom)}" y2="${px(bottom)}"/><text class="axis-title" x="${px((start + end) / 2)}" y="${px(bottom + 28)}" text-anchor="middle">${title}</text></g>`;
}

/** Horizontal grid lines, tick labels left of the plot and a rotated axis title. */
export function yAxis(scale: LinearScale, left: number, right: number, title: string): SafeHtml {
  const [bottom, top] = [scale.at(scale.domain[0]), scale.at(scale.domain[1])];
  const ticks = scale.ticks.map((tick) => {
    const y = px(scale.at(tick));
    return html`<line class="grid" x1="${px(left)}" x2="${px(right)}" y1="${y}" y2="${y}"/><text class="tick" x="${px(left - 5)}" y="${y}" dy="0.32em" text-anchor="end">${scale.format(tick)}</text>`;
  });
  const middle = px((top + bottom) / 2);
  return html`<g class="axis">${ticks}<line class="axis-line" x1="${px(left)}" x2="${px(left)}" y1="${px(top)}" y2="${px(bottom)}"/><text class="axis-title" transform="translate(${px(left - 44)} ${middle}) rotate(-90)" text-anchor="middle">${title}</text></g>`;
}

/** A row label right-aligned at `x`: the binding's color swatch and its (shortened) name. */
export function seriesLabel(x: number, y: number, name: string, color: string, maxChars = 16): SafeHtml {
  const text = fitText(name, maxChars);
  return html`<g class="series-label"><title>${name}</title><rect x="${px(x - 8)}" y="${px(y - 4)}" width="8" height="8" rx="2" fill="${color}"/><text x="${px(x - 13)}" y="${px(y)}" dy="0.32em" text-anchor="end">${text}</text></g>`;
}

export interface LegendItem {
  label: string;
  color: string;
}

/** Legend entries in a row from (x, y), wrapping at `maxX`; returns the markup and its height. */
export function legend(items: LegendItem[], x: number, y: number, maxX: number): { markup: SafeHtml; height: number } {
  let cursorX = x;
  let cursorY = y;
  const parts = items.map((item) => {
    const text = fitText(item.label, 24);
    const itemWidth = 14 + text.length * CHAR_WIDTH + 14;
    if (cursorX + itemWidth > maxX && cursorX > x) {
      cursorX = x;
      cursorY += 16;
    }
    const part = html`<g class="legend-item"><title>${item.label}</title><rect x="${px(cursorX)}" y="${px(cursorY - 5)}" width="10" height="10" rx="2" fill="${item.color}"/><text x="${px(cursorX + 14)}" y="${px(cursorY)}" dy="0.32em">${text}</text></g>`;
    cursorX += itemWidth;
    return part;
  });
  return { markup: html`<g class="legend">${parts}</g>`, height: cursorY - y + 16 };
}

/** A horizontal error bar with end caps (a confidence interval). */
export function errorBar(x1: number, x2: number, y: number, capHeight: number, className = 'ci'): SafeHtml {
  const half = capHeight / 2;
  return html`<path class="${className}" d="M${px(x1)} ${px(y)}H${px(x2)}M${px(x1)} ${px(y - half)}V${px(y + half)}M${px(x2)} ${px(y - half)}V${px(y + half)}"/>`;
}

/** A short explanatory note drawn in the chart (e.g. why a row is empty). */
export function note(x: number, y: number, text: string, className = 'note'): SafeHtml {
  return html`<text class="${className}" x="${px(x)}" y="${px(y)}" dy="0.32em">${text}</text>`;
}
