/**
 * --runtimes: the runtime x binding matrix of every workload as one heat table, each cell the
 * median and its change over the floor of the same runtime (darker: costlier), the cheapest JS
 * path of each workload marked. The answer to "which path is cheapest per exit, on which runtime".
 */
import { formatChange, formatNs, formatRatioInterval, MISSING } from '../../../format/units.js';
import type { Results } from '../../../results/types.js';
import { hasRuntimeMatrix, type MatrixCell, runtimeMatrices } from '../../runtime-matrix.js';
import { html, type SafeHtml } from '../escape.js';
import { section } from './layout.js';

export const RUNTIMES_SECTION_ID = 'runtimes';
export const RUNTIMES_SECTION_TITLE = 'Runtimes × bindings';

/** Background for an overhead: none at the floor, up to a full tint at +100 % and above. */
function heat(ratio: number | undefined): string {
  if (ratio === undefined) return '';
  const strength = Math.min(1, Math.max(0, ratio - 1));
  return `background: rgba(214, 96, 77, ${(0.08 + 0.5 * strength).toFixed(2)})`;
}

function cellHtml(cell: MatrixCell | undefined, floor: string, cheapest: MatrixCell | undefined): SafeHtml {
  if (!cell) return html`<td class="num muted">${MISSING}</td>`;
  const own = cell.binding.endsWith('-ffi') ? html`<span class="muted">${cell.binding}</span><br>` : '';
  if (cell.median === undefined) return html`<td class="num">${own}${cell.status}</td>`;
  const change =
    cell.binding === floor
      ? html`<br><span class="muted">floor</span>`
      : cell.ratio === undefined
        ? ''
        : html`<br><span title="95 % CI ${cell.ratioCi95 ? formatRatioInterval(cell.ratioCi95[0], cell.ratioCi95[1]) : ''}">${formatChange(cell.ratio)}</span>`;
  const best = cheapest?.row === cell.row ? html` <strong title="cheapest JS path of this workload">★</strong>` : '';
  return html`<td class="num" style="${cell.binding === floor ? '' : heat(cell.ratio)}">${own}${formatNs(cell.median)}${best}${change}</td>`;
}

export function runtimesSection(results: Results): SafeHtml {
  if (!hasRuntimeMatrix(results)) return html``;
  const floor = results.floor ?? 'c-loop';
  const tables = runtimeMatrices(results).map(
    (matrix) =>
      html`<div class="table-scroll"><table class="compact change-table"><thead><tr><th>${matrix.workload}</th>${matrix.columns.map((column) => html`<th>${column}</th>`)}</tr></thead><tbody>${matrix.runtimes.map(
        (runtime) =>
          html`<tr><th>${runtime}</th>${matrix.columns.map((column) => cellHtml(matrix.cells.get(runtime)?.get(column), floor, matrix.cheapest))}</tr>`,
      )}</tbody></table></div>`,
  );
  const runtimes = (results.host.runtimes ?? []).map(
    (runtime) => html`<li><strong>${runtime.name}</strong>: ${runtime.kind} ${runtime.version}, ${runtime.engine}</li>`,
  );
  return section(
    RUNTIMES_SECTION_ID,
    RUNTIMES_SECTION_TITLE,
    html`Each runtime measured its bindings in processes of its own, taking turns with the others. A cell is the median per iteration and its change over the ${floor} measured in the same runtime and rounds (darker: a larger overhead); ★ marks the cheapest JS path of the workload. Each runtime's own FFI (node:ffi, bun:ffi, Deno.dlopen) is the last column.`,
    html`<ul>${runtimes}</ul>${tables}`,
  );
}
