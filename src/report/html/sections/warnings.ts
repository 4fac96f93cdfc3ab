/**
 * The run's warnings (noisy cells, failed checks, host limits), after the answer and before the
 * environment: one line per kind. Results that list one warning per cell ("pio-out / napi: …", as
 * schema 1 files do) are grouped here by their text, so twenty identical lines become one.
 */
import type { Results } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';

const CELL_PREFIX = /^([^\s:]+ \/ [^\s:]+): /;

export interface WarningLine {
  text: string;
  /** The cells it names, when it was grouped from per-cell warnings. */
  cells: string[];
}

/** One line per kind of warning: per-cell warnings that differ only in their cell and numbers are merged. */
export function warningLines(warnings: readonly string[]): WarningLine[] {
  const lines: WarningLine[] = [];
  const byKind = new Map<string, WarningLine>();
  for (const warning of warnings) {
    const prefix = CELL_PREFIX.exec(warning);
    if (!prefix) {
      lines.push({ text: warning, cells: [] });
      continue;
    }
    const rest = warning.slice(prefix[0].length);
    const kind = rest.replace(/\d+(\.\d+)?/g, '#');
    const group = byKind.get(kind);
    if (group) {
      group.cells.push(prefix[1] as string);
      // Numbers that differ between cells are not the kind's: say "…" instead of one cell's.
      if (group.text !== rest) group.text = kind.replace(/#/g, '…');
    } else {
      const line = { text: rest, cells: [prefix[1] as string] };
      byKind.set(kind, line);
      lines.push(line);
    }
  }
  return lines;
}

export function warningsSection(results: Results): SafeHtml {
  if (results.warnings.length === 0) return html``;
  const lines = warningLines(results.warnings);
  const items = lines.map(({ text, cells }) => {
    const full = cells.length === 0 ? text : `${cells.join(', ')}: ${text}`;
    const label = cells.length <= 1 ? full : `${text} (${cells.length} cells: ${cells.join(', ')})`;
    return html`<li title="${label}">${label}</li>`;
  });
  return html`<section id="warnings" class="warnings"><h2>Warnings <span class="count">${lines.length}</span></h2><ul>${items}</ul></section>`;
}
